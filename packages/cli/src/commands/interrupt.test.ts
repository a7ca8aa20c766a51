import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { cornerLoader, writeCornerImages } from '../../test/corner-model.js';
import type { Progress } from '../outputs/progress.js';
import { audit } from './audit.js';
import { explain } from './explain.js';

/** Progress that fires the abort when `method` finishes (as a Ctrl-C at that moment would). */
function abortAfter(method: string, controller: AbortController, later = false): Progress {
  const abort = () => controller.abort(new Error('interrupted'));
  return {
    start: (label) => ({
      update: () => {},
      finish: () => {
        // `later`: once the command has gone on to its file work (the output folder's first I/O).
        if (label === method) later ? setImmediate(abort) : abort();
      },
      fail: () => {},
    }),
  };
}

describe('explain, interrupted', () => {
  const tmp = scratch();
  let inputs: string[];
  beforeAll(() => {
    inputs = writeCornerImages(tmp.path('in'), 3, 1).map((name) => tmp.path('in', name));
  });
  afterAll(() => tmp.remove());

  it('between methods: keeps the finished ones (raw values and summary) and fails with exit status 130', async () => {
    const controller = new AbortController();
    const out = tmp.path('between');
    const run = explain(
      { model: 'corner.onnx', inputs, methods: ['gradient', 'occlusion', 'smoothgrad'], out, signal: controller.signal },
      { loadModel: cornerLoader(), progress: abortAfter('occlusion', controller) },
    );
    await expect(run).rejects.toMatchObject({
      exitCode: 130,
      message: expect.stringMatching(/kept the finished methods' raw values in .* \(gradient\.npy, occlusion\.npy and summary\.json/),
    });
    expect(readdirSync(out).sort()).toEqual(['.salience-manifest.json', 'gradient.npy', 'occlusion.npy', 'summary.json']);
    expect(JSON.parse(readFileSync(`${out}/summary.json`, 'utf8'))).toMatchObject({ interrupted: true, report: null, methods: [{ name: 'gradient' }, { name: 'occlusion' }] });
  });

  it('while writing the outputs: writing stops, and the raw values are kept', async () => {
    const controller = new AbortController();
    const out = tmp.path('writing');
    // The abort fires once the methods are done and the command is at its files: the writer's checks see it.
    const run = explain(
      { model: 'corner.onnx', inputs, methods: ['gradient'], out, signal: controller.signal },
      { loadModel: cornerLoader(), progress: abortAfter('gradient', controller, true) },
    );
    await expect(run).rejects.toMatchObject({ exitCode: 130 });
    expect(readdirSync(out).sort()).toEqual(['.salience-manifest.json', 'gradient.npy', 'summary.json']);
    expect(existsSync(`${out}/report.html`)).toBe(false);
    expect(tmp.entries().filter((e) => e.startsWith('.'))).toEqual([]);
  });
});

describe('audit, interrupted while writing its outputs', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('stops between files with exit status 130; the chunks stay for a rerun', async () => {
    writeCornerImages(tmp.path('data'), 4, 2);
    const controller = new AbortController();
    const out = tmp.path('out');
    // The last chunk is on disk; the abort lands once the audit is at its files.
    const run = audit(
      { model: 'corner.onnx', data: [tmp.path('data')], methods: ['gradient'], chunkSize: 2, out, signal: controller.signal },
      { loadModel: cornerLoader(), onChunk: (info) => info.chunk === info.chunks - 1 && setImmediate(() => controller.abort(new Error('interrupted'))) },
    );
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(existsSync(`${out}/report.html`)).toBe(false);
    expect(existsSync(`${out}/summary.json`)).toBe(false);
    expect(readdirSync(`${out}/.salience-audit`).sort()).toEqual(['data-0000.m0.rec', 'data-0001.m0.rec', 'run.json']);
    const again = await audit({ model: 'corner.onnx', data: [tmp.path('data')], methods: ['gradient'], chunkSize: 2, out }, { loadModel: cornerLoader() });
    expect(again.chunks).toMatchObject({ resumed: 2, computed: 0 });
  });
});
