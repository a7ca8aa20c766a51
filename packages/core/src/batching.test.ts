import { describe, expect, it, vi } from 'vitest';
import { batchRanges, defaultBatchSize, forEachBatch, yieldToEventLoop } from './batching.js';
import { AbortError } from './errors.js';

describe('batching', () => {
  it('covers the rows with ranges of at most the batch size', () => {
    expect(batchRanges(7, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
    expect(() => batchRanges(4, 0)).toThrow(/positive integer/);
  });

  it('sizes default batches from the row size', () => {
    expect(defaultBatchSize(224 * 224 * 3)).toBe(8);
    expect(defaultBatchSize(10)).toBe(128);
    expect(defaultBatchSize(1e9)).toBe(1);
  });

  it('reports progress and stops when aborted', async () => {
    const seen: number[] = [];
    await forEachBatch(5, 2, () => {}, { onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([2, 4, 5]);

    const controller = new AbortController();
    const work: number[] = [];
    const run = forEachBatch(
      6,
      2,
      (start) => {
        work.push(start);
        if (start === 2) controller.abort();
      },
      { signal: controller.signal },
    );
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(work).toEqual([0, 2]);
  });

  it('yields to the event loop between batches, so a timer can abort synchronous work', async () => {
    // Each batch blocks the thread for a while, as a tfjs cpu or wasm model call does.
    const busy = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {}
    };
    const controller = new AbortController();
    let batches = 0;
    const run = forEachBatch(
      1000,
      1,
      () => {
        batches++;
        // A timer set during the first batch is due when it ends: the loop must let it run.
        if (batches === 1) setTimeout(() => controller.abort(), 0);
        busy(3);
      },
      { signal: controller.signal },
    );
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(batches).toBe(1);
  });

  it('yieldToEventLoop lets due timers run', async () => {
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 0);
    const until = Date.now() + 5;
    while (Date.now() < until) {}
    await yieldToEventLoop();
    await yieldToEventLoop();
    expect(fired).toBe(true);
  });

  it('yields through a MessageChannel where there is no setImmediate (browsers)', async () => {
    vi.stubGlobal('setImmediate', undefined);
    try {
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 0);
      const until = Date.now() + 5;
      while (Date.now() < until) {}
      await yieldToEventLoop();
      await yieldToEventLoop();
      expect(fired).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
