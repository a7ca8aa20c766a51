import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TensorData } from '@salience/core';
import { ModelGraph } from '@salience/onnx-autodiff';
import { type CaptumFixture, loadCaptumFixture } from '@salience/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { readNpy, writeNpy } from '../inputs/npy.js';

const repository = fileURLToPath(new URL('../../../../', import.meta.url));
const smallcnn = fileURLToPath(new URL('../../../testing/fixtures/captum/smallcnn/model.onnx', import.meta.url));
/** Occlusion with window 4, stride 4 on the same model and input (tools/make-cli-occlusion-fixture.py). */
const occlusionStride4 = readNpy(readFileSync(new URL('../../test/fixtures/smallcnn-occlusion-window4-stride4.npy', import.meta.url)));

/**
 * The integrated-gradients package's measured exception (see its captum-parity-onnx test): one
 * pixel of smallcnn's Gauss-Legendre map differs by 4.1e-4 of the map's max, where PyTorch's
 * float32 max-pool picks the other of two nearly equal values; float64 PyTorch agrees with us.
 */
const SMALLCNN_GAUSS_LEGENDRE = 1e-3;

/** Max |actual - expected| over max |expected|, per map (absolute for an all-zero map); the worst map. */
function relativeError(actual: TensorData, expected: TensorData): number {
  expect(actual.shape).toEqual(expected.shape);
  const rows = expected.shape[0]!;
  const size = expected.data.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let scale = 0;
    let error = 0;
    for (let i = r * size; i < (r + 1) * size; i++) {
      scale = Math.max(scale, Math.abs(expected.data[i]!));
      error = Math.max(error, Math.abs(actual.data[i]! - expected.data[i]!));
    }
    worst = Math.max(worst, scale === 0 ? error : error / scale);
  }
  return worst;
}

// The scripted forms of the issue, exactly: an ONNX model, a raw NCHW .npy input, one target per
// example, each writing D/<method>.npy with Captum's values.
describe('salience explain on an ONNX model (the Captum smallcnn fixture)', () => {
  const tmp = scratch();
  let fixture: CaptumFixture;
  let x: string;
  let targets: string;

  beforeAll(async () => {
    fixture = await loadCaptumFixture('smallcnn');
    x = tmp.path('X.npy');
    writeFileSync(x, writeNpy(fixture.input));
    targets = Array.from(fixture.target).join(',');
  });
  afterAll(() => tmp.remove());

  const forms: [string, string[], string, () => TensorData][] = [
    ['gradient', ['--method', 'gradient', '--signed'], 'gradient', () => fixture.cases.gradient!],
    ['ig', ['--method', 'ig', '--steps', '50', '--quadrature', 'gausslegendre'], 'ig', () => fixture.cases.ig_gausslegendre_50!],
    ['gradcam', ['--method', 'gradcam', '--layer', '/c3/Conv_output_0', '--upsample', 'bilinear'], 'gradcam', () => fixture.cases.gradcam_bilinear!],
    ['occlusion', ['--method', 'occlusion', '--window', '4', '--stride', '4'], 'occlusion', () => occlusionStride4],
  ];

  it.each(forms)('%s: writes D/<method>.npy with the reference values', async (_name, options, method, expected) => {
    const out = tmp.path(`D-${method}`);
    const run = await salience(['explain', '--model', smallcnn, '--input', x, '--target', targets, ...options, '--out', out]);
    expect(run.stderr.split('\n')[0]).toMatch(new RegExp(`^${method} +4 maps in`));
    expect(run.code).toBe(0);
    const values = readNpyFile(`${out}/${method}.npy`);
    expect(values.shape).toEqual([4, 1, 28, 28]);
    expect(relativeError(values, expected())).toBeLessThanOrEqual(method === 'ig' ? SMALLCNN_GAUSS_LEGENDRE : 1e-4);
  });

  it("occlusion with Captum's stride 2 matches Captum's own stored maps", async () => {
    const out = tmp.path('D-occlusion-2');
    const run = await salience([
      'explain',
      '--model',
      smallcnn,
      '--input',
      x,
      '--target',
      targets,
      '--method',
      'occlusion',
      '--window',
      '4',
      '--stride',
      '2',
      '--out',
      out,
      '--quiet',
    ]);
    expect(run.code).toBe(0);
    expect(relativeError(readNpyFile(`${out}/occlusion.npy`), fixture.cases.occlusion!)).toBeLessThanOrEqual(1e-4);
  });

  it('runs through the repository script (`pnpm salience`) as a separate process', async () => {
    const out = tmp.path('D-process');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@salience/source',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'explain',
        '--model',
        smallcnn,
        '--input',
        x,
        '--target',
        targets,
        '--method',
        'gradient',
        '--signed',
        '--out',
        out,
        '--json',
      ],
      { cwd: repository },
    );
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout) as { model: { format: string; layout: string }; methods: { file: string; targets: number[] }[] };
    expect(summary.model).toMatchObject({ format: 'onnx', layout: 'NCHW' });
    expect(summary.methods[0]).toMatchObject({ file: 'gradient.npy', targets: Array.from(fixture.target) });
    expect(relativeError(readNpyFile(`${out}/gradient.npy`), fixture.cases.gradient!)).toBeLessThanOrEqual(1e-4);
    const failed = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@salience/source',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'explain',
        '--model',
        smallcnn,
        '--input',
        x,
        '--method',
        'gradcam',
        '--layer',
        'c9',
        '--out',
        tmp.path('D-bad'),
      ],
      { cwd: repository },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(5);
    expect(failed?.stderr).toMatch(/^gradcam +failed\nsalience: Unknown layer 'c9'\. The model has: .*\bc3\b/);
  });

  it('exits 6 naming the op when the model has an op without a gradient rule, and still runs occlusion', async () => {
    // x [B, 4] -> MatMul -> Softsign (no gradient rule) -> MatMul -> logits [B, 3].
    const graph = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }] });
    const h = graph.add(
      'MatMul',
      [
        'x',
        graph.constant(
          Array.from({ length: 12 }, (_, i) => (i % 5) / 4 - 0.5),
          'float32',
          [4, 3],
        ),
      ],
      undefined,
      { name: 'hidden', output: 'h' },
    );
    const s = graph.add('Softsign', [h], undefined, { name: 'squash', output: 's' });
    graph.add(
      'MatMul',
      [
        s,
        graph.constant(
          Array.from({ length: 9 }, (_, i) => (i % 4) / 2 - 0.7),
          'float32',
          [3, 3],
        ),
      ],
      undefined,
      { name: 'head', output: 'logits' },
    );
    graph.addOutput('logits');
    const model = tmp.path('softsign.onnx');
    writeFileSync(model, graph.toBytes());
    const input = tmp.path('rows.npy');
    writeFileSync(input, writeNpy({ data: Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.4), shape: [2, 4] }));

    const run = await salience(['explain', '--model', model, '--input', input, '--method', 'gradient', '--out', tmp.path('D-softsign')]);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/^salience: No gradient rule for op 'Softsign' \(node 'squash'\)/);
    expect(tmp.entries()).not.toContain('D-softsign');

    const all = await salience(['explain', '--model', model, '--input', input, '--json', '--out', tmp.path('D-softsign')]);
    expect(all.code).toBe(0);
    const summary = all.json<{ methods: { name: string }[]; skipped: { method: string; reason: string }[] }>();
    expect(summary.methods.map((m) => m.name)).toEqual(['occlusion']);
    expect(summary.skipped.map((m) => m.method)).toEqual(['gradient', 'smoothgrad', 'ig', 'gradcam']);
    expect(summary.skipped[0]!.reason).toMatch(/No gradient rule for op 'Softsign'/);
  });
});
