import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import type { ExplainSummary } from '../commands/explain-outputs.js';
import { BUILTIN_DIR } from '../models/builtin.js';

// The CAM family and the Shapley family through `salience explain`, on two of the built-in
// model's samples (fast settings: few samples and orders, a coarse grid).
const INPUTS = ['--input', `${BUILTIN_DIR}samples/00-t-shirt-top.png`, `${BUILTIN_DIR}samples/02-pullover.png`];

describe('salience explain --method with the CAM family and the Shapley family', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('runs hirescam, xgradcam, layercam, scorecam, eigencam and ablationcam at the chosen layer, one map per example', async () => {
    const methods = 'hirescam,xgradcam,layercam,scorecam,eigencam,ablationcam';
    const run = await salience(['explain', '--json', ...INPUTS, '--method', methods, '--layer', 'conv3', '--out', tmp.path('cams')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.json<ExplainSummary>();
    expect(summary.methods.map((m) => m.id)).toEqual(['hirescam', 'xgradcam', 'layercam', 'scorecam', 'eigencam', 'ablationcam']);
    for (const m of summary.methods) {
      expect(m.shape).toEqual([2, 28, 28, 1]);
      expect(m.meta).toMatchObject({ layer: 'conv3', relu: true, resolution: 'input' });
      const values = (await readNpyFile(tmp.path('cams', m.file))).data;
      // ReLU applied, and the map is not empty.
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeGreaterThan(0);
    }
    // ScoreCAM runs one masked copy per channel of conv3; EigenCAM one pass.
    expect(summary.methods.find((m) => m.name === 'scorecam')?.meta).toMatchObject({ maskedPasses: expect.any(Number) });
    // AblationCAM runs the model from conv3 once per (image, channel).
    const ablation = summary.methods.find((m) => m.name === 'ablationcam')?.meta as { ablatedPasses: number; channels: number };
    expect(ablation.ablatedPasses).toBe(2 * ablation.channels);
  }, 120_000);

  it('runs kernel-shap, lime and shapley-sampling on a grid of cells: constant over each cell', async () => {
    const run = await salience(['explain', '--json', ...INPUTS, '--method', 'kernel-shap,lime,shapley-sampling', '--grid', '7', '--samples', '4', '--out', tmp.path('shap')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.json<ExplainSummary>();
    expect(summary.methods.map((m) => m.id)).toEqual(['kernel-shap', 'lime', 'shapley-sampling']);
    expect(summary.methods.map((m) => m.options)).toEqual([{ samples: 4 }, { samples: 4 }, { permutations: 4 }]);
    for (const m of summary.methods) {
      expect(m.shape).toEqual([2, 28, 28, 1]);
      expect(m.meta).toMatchObject({ features: 16, featureMask: 'grid of 7x7 cells' });
      const values = (await readNpyFile(tmp.path('shap', m.file))).data;
      for (let e = 0; e < 2; e++) {
        const map = values.subarray(e * 784, (e + 1) * 784);
        // Every pixel of a 7x7 cell holds its cell's value.
        for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(map[y * 28 + x]).toBe(map[Math.floor(y / 7) * 7 * 28 + Math.floor(x / 7) * 7]);
      }
    }
    // Shapley value sampling: one row for the baseline, then one per feature for each order, per example.
    expect(summary.methods[2]!.meta).toMatchObject({ modelRows: 2 * (1 + 4 * 16) });
  }, 120_000);

  it('groups pixels into SLIC superpixels per image with --superpixels', async () => {
    const run = await salience([
      'explain',
      '--json',
      ...INPUTS,
      '--method',
      'kernel-shap',
      '--superpixels',
      '12',
      '--samples',
      '8',
      '--baseline',
      '0.5',
      '--target',
      '3,1',
      '--out',
      tmp.path('slic'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [m] = run.json<ExplainSummary>().methods;
    expect(m!.examples).toEqual([0, 1]);
    expect(m!.targets).toEqual([3, 1]);
    expect(m!.meta).toMatchObject({ featureMask: 'SLIC superpixels per image', modelRows: 16 });
    const values = (await readNpyFile(tmp.path('slic', m!.file))).data;
    for (let e = 0; e < 2; e++) {
      const distinct = new Set(values.subarray(e * 784, (e + 1) * 784));
      expect(distinct.size).toBeGreaterThan(1);
      expect(distinct.size).toBeLessThanOrEqual(30);
    }
  }, 120_000);

  it('rejects flags of the families that no chosen method reads, and baselines they cannot use', async () => {
    const stray = await salience(['explain', ...INPUTS, '--method', 'hirescam', '--grid', '4', '--out', tmp.path('x')]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--grid applies to kernel-shap, lime, shapley-sampling');
    const both = await salience(['explain', ...INPUTS, '--method', 'lime', '--grid', '4', '--superpixels', '9', '--out', tmp.path('y')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give --grid or --superpixels, not both');
    const blur = await salience(['explain', ...INPUTS, '--method', 'kernel-shap', '--baseline', 'blur', '--out', tmp.path('z')]);
    expect(blur.code).toBe(2);
    expect(blur.stderr).toContain('--baseline blur applies to ig or occlusion');
    const grid = await salience(['explain', ...INPUTS, '--method', 'eigencam', '--token-grid', '4by4', '--out', tmp.path('w')]);
    expect(grid.code).toBe(2);
    expect(grid.stderr).toContain('--token-grid must be HxW or HxW+P');
  }, 60_000);

  it('says which attention layers attention-rollout needs on a model without any', async () => {
    const run = await salience(['explain', ...INPUTS, '--method', 'attention-rollout', '--out', tmp.path('rollout')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/attention|Softmax/i);
  }, 60_000);
});

// A vision transformer from transformers (seeded random weights, exported by the grad-cam
// package's tools/make-cam-fixtures.py) with pytorch-grad-cam's and the rollout's numbers.
describe('salience explain on a ViT token layer (onnxruntime-node)', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());
  const at = (file: string) => fileURLToPath(new URL(`../../../grad-cam/fixtures/cam/${file}`, import.meta.url));
  const meta = JSON.parse(readFileSync(at('vit.json'), 'utf8')) as { layer: string; arrays: Record<string, { offset: number; shape: number[] }> };
  const bytes = readFileSync(at('vit.bin'));
  const array = (name: string) => {
    const { offset, shape } = meta.arrays[name]!;
    const size = shape.reduce((a, b) => a * b, 1);
    return { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * size)), shape };
  };
  // A float32 .npy (version 1.0 header padded to 64 bytes), written here to keep the test to the CLI's own reading.
  const npy = ({ data, shape }: { data: Float32Array; shape: number[] }) => {
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    const header = `${dict}${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`;
    const prefix = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1')]);
    return Buffer.concat([prefix, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
  };
  const close = (got: Float32Array, want: Float32Array) => {
    const scale = Math.max(...want.map(Math.abs));
    return Math.max(...got.map((v, i) => Math.abs(v - want[i]!))) / scale;
  };

  it('hirescam on the token grid (--token-grid 4x4+1) and attention-rollout match the references within 1e-4 of the map', async () => {
    const input = tmp.path('vit-input.npy');
    writeFileSync(input, npy(array('input')));
    const targets = Array.from(array('target').data).join(',');
    const model = at('vit.onnx');
    const cam = await salience([
      'explain',
      '--json',
      '--model',
      model,
      '--input',
      input,
      '--target',
      targets,
      '--method',
      'hirescam',
      '--layer',
      meta.layer,
      '--token-grid',
      '4x4+1',
      '--upsample',
      'none',
      '--no-relu',
      '--out',
      tmp.path('cam'),
    ]);
    expect(cam.stderr).toBe('');
    expect(cam.code).toBe(0);
    const hires = await readNpyFile(tmp.path('cam', 'hirescam.npy'));
    expect(hires.shape).toEqual([3, 1, 4, 4]);
    expect(close(hires.data, array('hirescam_raw').data)).toBeLessThan(1e-4);

    const rollout = await salience(['explain', '--json', '--model', model, '--input', input, '--method', 'rollout', '--upsample', 'none', '--out', tmp.path('rollout')]);
    expect(rollout.stderr).toBe('');
    expect(rollout.code).toBe(0);
    expect(close((await readNpyFile(tmp.path('rollout', 'attention-rollout.npy'))).data, array('rollout_mean').data)).toBeLessThan(1e-4);
  }, 120_000);
});
