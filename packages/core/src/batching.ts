import { OptionError, throwIfAborted } from './errors.js';

/** Default number of input elements per model call, sized so that the activations of a
 *  ResNet-18 at 224x224 (about 8 images) stay within a few hundred megabytes. */
export const DEFAULT_BATCH_ELEMENTS = 1_250_000;

/** A batch size for rows of `rowElements` values: as many rows as the element budget allows, 1..max. */
export function defaultBatchSize(rowElements: number, budgetElements = DEFAULT_BATCH_ELEMENTS, max = 128): number {
  return Math.max(1, Math.min(max, Math.floor(budgetElements / Math.max(1, rowElements))));
}

export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError(`batchSize must be a positive integer; got ${batchSize}.`);
  return batchSize;
}

/** [start, end) ranges that cover 0..total in steps of at most `size`. */
export function batchRanges(total: number, size: number): Array<[number, number]> {
  checkBatchSize(size);
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < total; start += size) ranges.push([start, Math.min(total, start + size)]);
  return ranges;
}

export interface BatchLoopOptions {
  readonly signal?: AbortSignal;
  /** Reports rows done out of `total` after every batch. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Resolves on a later turn of the event loop (a macrotask), so that timers, signal handlers and a
 * page's events run. Runtimes whose model calls are synchronous under their promises (tfjs cpu
 * and wasm) would otherwise never let an abort fire until the whole run ends. Node's setImmediate,
 * else a MessageChannel (browsers; unclamped, unlike setTimeout), else setTimeout.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (callback: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new g.MessageChannel!();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs `work` on consecutive ranges of at most `batchSize` rows, one after another (a model call
 * at a time bounds memory), reporting progress. Before each batch it yields a macrotask and then
 * checks the signal, so an abort fired from a timer or a Ctrl-C handler stops the work within one
 * batch even on runtimes that compute synchronously.
 */
export async function forEachBatch(total: number, batchSize: number, work: (start: number, end: number) => Promise<void> | void, options: BatchLoopOptions = {}): Promise<void> {
  for (const [start, end] of batchRanges(total, batchSize)) {
    await yieldToEventLoop();
    throwIfAborted(options.signal);
    await work(start, end);
    options.onProgress?.(end, total);
  }
  throwIfAborted(options.signal);
}
