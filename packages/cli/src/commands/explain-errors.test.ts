import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Model } from '@salience/core';
import { encodePng } from '@salience/render';
import { createForwardOnlyModel, createImageModel } from '@salience/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';
import { writeNpy } from '../inputs/npy.js';
import { BUILTIN_DIR } from '../models/builtin.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';

/** A loader that hands out a fake model whatever the path, and records that it was disposed. */
function fakeLoader(make: () => Model): ModelLoader & { disposed: number } {
  const loader = Object.assign(
    async (): Promise<LoadedModel> => {
      const model = make();
      return {
        model,
        format: 'tfjs-layers',
        runtime: 'fake',
        dispose: () => {
          loader.disposed++;
          model.dispose();
        },
      };
    },
    { disposed: 0 },
  );
  return loader;
}

const sample = `${BUILTIN_DIR}samples/00-t-shirt-top.png`;

describe('salience explain failures', () => {
  let tmp: ReturnType<typeof scratch>;
  beforeEach(() => {
    tmp = scratch();
  });
  afterEach(() => tmp.remove());

  /** Runs and checks that nothing at all was written. */
  async function failing(argv: string[], context = {}) {
    const run = await salience([...argv, '--out', tmp.path('out')], context);
    expect(run.code).not.toBe(0);
    expect(tmp.entries().filter((e) => e !== 'in')).toEqual([]);
    expect(run.stdout).toBe('');
    return run;
  }

  it('exits 3 for a missing, undecodable or unknown input file', async () => {
    const missing = await failing(['explain', '--input', tmp.path('nope.png')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`salience: Cannot read the input ${tmp.path('nope.png')}: it does not exist.\n`);
    mkdirSync(tmp.path('in'));
    writeFileSync(tmp.path('in', 'broken.png'), readFileSync(sample).subarray(0, 60));
    const broken = await failing(['explain', '--input', tmp.path('in', 'broken.png')]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/broken\.png could not be decoded as PNG/);
    writeFileSync(tmp.path('in', 'notes.txt'), 'hello');
    const text = await failing(['explain', '--input', tmp.path('in', 'notes.txt')]);
    expect(text.code).toBe(3);
    expect(text.stderr).toMatch(/notes\.txt is not a PNG, JPEG or \.npy file/);
  });

  it('exits 3 when a .npy input does not fit the model, saying both shapes', async () => {
    mkdirSync(tmp.path('in'));
    writeFileSync(tmp.path('in', 'x.npy'), writeNpy({ data: new Float32Array(2 * 28 * 28), shape: [2, 1, 28, 28] }));
    const run = await failing(['explain', '--input', tmp.path('in', 'x.npy'), '--method', 'gradient']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Input has shape \[2, 1, 28, 28\] but the model takes \[batch, 28, 28, 1\]\. The model's layout is NHWC/);
  });

  it('exits 4 for a missing or unreadable model', async () => {
    const missing = await failing(['explain', '--model', tmp.path('model.json'), '--input', sample]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/Cannot read the model .*model\.json: it does not exist/);
    mkdirSync(tmp.path('in'));
    writeFileSync(tmp.path('in', 'model.json'), '{"format": "layers-model"}');
    const notModel = await failing(['explain', '--model', tmp.path('in', 'model.json'), '--input', sample]);
    expect(notModel.code).toBe(4);
    expect(notModel.stderr).toMatch(/is not a TensorFlow\.js model\.json \(it has no modelTopology\)/);
    writeFileSync(tmp.path('in', 'model.pt'), 'torch');
    const pt = await failing(['explain', '--model', tmp.path('in', 'model.pt'), '--input', sample]);
    expect(pt.code).toBe(4);
    expect(pt.stderr).toMatch(/Unknown model type '\.pt': give an ONNX file \(\.onnx\) or a TensorFlow\.js model\.json/);
  });

  it('exits 5 for an unknown layer, listing the layers, and leaves no half-written output after earlier methods ran', async () => {
    const run = await failing(['explain', '--method', 'gradient,gradcam', '--layer', 'conv9']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/Unknown layer 'conv9'\. The model has: conv1, pool1, conv2, pool2, conv3/);
  });

  it('exits 7 when the model cannot give gradients, and runs the forward-only methods when no method is named', async () => {
    const loader = fakeLoader(() => createForwardOnlyModel({ features: 6, classes: 3 }));
    mkdirSync(tmp.path('in'));
    writeFileSync(tmp.path('in', 'x.npy'), writeNpy({ data: Float32Array.from({ length: 12 }, (_, i) => i / 12), shape: [2, 6] }));
    const x = tmp.path('in', 'x.npy');
    const run = await failing(['explain', '--model', 'fake.json', '--input', x, '--method', 'gradient'], { loadModel: loader });
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/needs inputGradients, which this model does not provide .* a forward-only method such as occlusion/);
    expect(loader.disposed).toBe(1);

    const all = await salience(['explain', '--model', 'fake.json', '--input', x, '--out', tmp.path('out'), '--json'], { loadModel: loader });
    expect(all.code).toBe(0);
    const summary = all.json<{ methods: { name: string; shape: number[] }[]; skipped: { method: string }[] }>();
    expect(summary.methods.map((m) => [m.name, m.shape])).toEqual([['occlusion', [2, 6]]]);
    expect(summary.skipped.map((s) => s.method)).toEqual(['gradient', 'smoothgrad', 'ig', 'gradcam']);
    expect(readdirSync(tmp.path('out')).sort()).toEqual(['.salience-manifest.json', 'occlusion.npy', 'report.html', 'summary.json']);
    expect(loader.disposed).toBe(2);
  });

  it('exits 2 for targets that do not fit, method options that no chosen method reads, and missing inputs', async () => {
    const targets = await failing(['explain', '--method', 'gradient', '--target', '1,2']);
    expect(targets.code).toBe(2);
    expect(targets.stderr).toMatch(/Got 2 targets for 12 examples/);
    const steps = await failing(['explain', '--method', 'gradient', '--steps', '10']);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toMatch(/--steps applies to ig, and no such method is chosen \(--method gradient\)/);
    const noInput = await failing(['explain', '--model', 'm.json']);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/Give the inputs to explain with --input/);
    const unknown = await failing(['explain', '--colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error: unknown option '--colour'/);
  });

  it('exits 4 for an ONNX file that is not a model', async () => {
    mkdirSync(tmp.path('in'));
    writeFileSync(tmp.path('in', 'model.onnx'), 'not protobuf at all');
    const run = await failing(['explain', '--model', tmp.path('in', 'model.onnx'), '--input', sample]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/model\.onnx could not be loaded as an ONNX model: Cannot read the ONNX model/);
  });

  it('exits 9 with what to install for the tensorflow backend', async () => {
    const tfn = await failing(['explain', '--backend', 'tensorflow', '--method', 'gradient']);
    expect(tfn.code).toBe(9);
    expect(tfn.stderr).toMatch(/--backend tensorflow needs @tensorflow\/tfjs-node\..*npm install @tensorflow\/tfjs-node/);
  });

  it('exits 10 rather than replace a folder that is not a salience output', async () => {
    mkdirSync(tmp.path('out'));
    writeFileSync(tmp.path('out', 'mine.txt'), 'keep me');
    const run = await salience(['explain', '--method', 'gradient', '--out', tmp.path('out')]);
    expect(run.code).toBe(10);
    expect(readdirSync(tmp.path('out'))).toEqual(['mine.txt']);
  });

  it('keeps an earlier output intact when a later run fails', async () => {
    const first = await salience(['explain', '--method', 'gradient', '--no-overlays', '--out', tmp.path('out')]);
    expect(first.code).toBe(0);
    const before = readFileSync(tmp.path('out', 'summary.json'), 'utf8');
    const second = await salience(['explain', '--method', 'gradient,gradcam', '--layer', 'nope', '--out', tmp.path('out')]);
    expect(second.code).toBe(5);
    expect(readFileSync(tmp.path('out', 'summary.json'), 'utf8')).toBe(before);
    expect(tmp.entries()).toEqual(['out']);
  });

  it('exits 130 when interrupted, writing nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const run = await failing(['explain', '--method', 'gradient'], { signal: controller.signal });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/Attribution aborted: interrupted/);
  });

  it('prints a JSON error on stdout with --json', async () => {
    const run = await salience(['explain', '--method', 'gradcam', '--layer', 'nope', '--json', '--out', tmp.path('out')]);
    expect(run.code).toBe(5);
    expect(run.json()).toMatchObject({ tool: 'salience', ok: false, error: { exitCode: 5, code: 'UNKNOWN_LAYER', message: expect.stringMatching(/^Unknown layer 'nope'/) } });
    const usage = await salience(['explain', '--steps', 'x', '--json']);
    expect(usage.code).toBe(2);
    expect(usage.json()).toMatchObject({ ok: false, error: { exitCode: 2, code: 'usage' } });
  });
});

describe('salience explain on a channels-first image model', () => {
  it('feeds images as NCHW and stores Grad-CAM as [N, 1, H, W]', async () => {
    const tmp = scratch();
    try {
      const loader = fakeLoader(() => createImageModel({ layout: 'NCHW', channels: 3, height: 6, width: 5 }));
      mkdirSync(tmp.path('in'));
      for (const name of ['b', 'a']) {
        const data = Uint8ClampedArray.from({ length: 10 * 12 * 4 }, (_, i) => (i * (name === 'a' ? 7 : 13)) % 256);
        writeFileSync(tmp.path('in', `${name}.png`), encodePng({ width: 10, height: 12, data }));
      }
      writeFileSync(tmp.path('labels.json'), '["cat", "dog", "bird"]');
      const run = await salience(
        [
          'explain',
          '--model',
          'fake.json',
          '--input',
          tmp.path('in'),
          '--method',
          'gradcam,occlusion',
          '--window',
          '2',
          '--labels',
          tmp.path('labels.json'),
          '--target',
          'bird',
          '--json',
          '--out',
          tmp.path('out'),
        ],
        { loadModel: loader },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const summary = run.json<{
        input: { shape: number[]; preprocessing: unknown };
        examples: { name: string }[];
        methods: { name: string; shape: number[]; layout: string; overlays: string[]; targets: number[] }[];
      }>();
      expect(summary.input.shape).toEqual([2, 3, 6, 5]);
      expect(summary.input.preprocessing).toMatchObject({ width: 5, height: 6, channels: 'rgb', layout: 'NCHW' });
      expect(summary.examples.map((e) => e.name)).toEqual(['a', 'b']);
      expect(summary.methods.map((m) => [m.name, m.shape, m.layout])).toEqual([
        ['gradcam', [2, 1, 6, 5], 'NCHW'],
        ['occlusion', [2, 3, 6, 5], 'NCHW'],
      ]);
      expect(summary.methods[0]!.overlays).toEqual(['overlays/gradcam/a.png', 'overlays/gradcam/b.png']);
      expect(summary.methods.map((m) => m.targets)).toEqual([
        [2, 2],
        [2, 2],
      ]);
      expect(readFileSync(tmp.path('out', 'report.html'), 'utf8')).toContain('target 2 · bird');
    } finally {
      tmp.remove();
    }
  });
});
