import { writeFileSync } from 'node:fs';
import { ModelGraph } from '@salience/onnx-autodiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { writeNpy } from '../inputs/npy.js';

/** logits = (x * other) W: an ONNX model with two graph inputs, `other` being a mask over x. */
function twoInputModel(other: string): Uint8Array {
  const graph = ModelGraph.create({
    inputs: [
      { name: 'x', type: 'float32', shape: ['batch', 4] },
      { name: other, type: 'float32', shape: ['batch', 4] },
    ],
  });
  const h = graph.add('Mul', ['x', other], undefined, { name: 'masked', output: 'h' });
  graph.add(
    'MatMul',
    [
      h,
      graph.constant(
        Array.from({ length: 12 }, (_, i) => (i % 5) / 4 - 0.5),
        'float32',
        [4, 3],
      ),
    ],
    undefined,
    { name: 'head', output: 'logits' },
  );
  graph.addOutput('logits');
  return graph.toBytes();
}

// Issue 14 item 2 on the command line: --context name=FILE.npy feeds a model's other inputs.
describe('salience explain --context and --input-name (models with several inputs)', () => {
  const tmp = scratch();
  beforeAll(() => {
    writeFileSync(tmp.path('mask.onnx'), twoInputModel('attention_mask'));
    writeFileSync(tmp.path('two.onnx'), twoInputModel('y'));
    writeFileSync(tmp.path('rows.npy'), writeNpy({ data: Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.4), shape: [2, 4] }));
    writeFileSync(tmp.path('mask.npy'), writeNpy({ data: Float32Array.from([1, 1, 0, 0, 1, 0, 1, 0]), shape: [2, 4] }));
  });
  afterAll(() => tmp.remove());

  const run = (model: string, ...extra: string[]) =>
    salience([
      'explain',
      '--model',
      tmp.path(model),
      '--input',
      tmp.path('rows.npy'),
      '--method',
      'gradient',
      '--signed',
      '--out',
      tmp.path(`out-${model}-${extra.length}`),
      '--quiet',
      ...extra,
    ]);

  it('without the companion input, exits 2 saying how to give it', async () => {
    const failed = await run('mask.onnx');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/'attention_mask'.*--context attention_mask=FILE\.npy/);
  });

  it('passes each example its own row of --context, never perturbed: masked features get no gradient', async () => {
    const done = await run('mask.onnx', '--target', '0', '--context', `attention_mask=${tmp.path('mask.npy')}`);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const gradient = readNpyFile(tmp.path('out-mask.onnx-4', 'gradient.npy'));
    expect(gradient.shape).toEqual([2, 4]);
    // d logit_0 / d x_i = mask_i * W[i, 0], with W[i, 0] = ((3i) % 5) / 4 - 0.5.
    const mask = [1, 1, 0, 0, 1, 0, 1, 0];
    const expected = mask.map((m, k) => m * (((3 * (k % 4)) % 5) / 4 - 0.5));
    for (const [i, g] of Array.from(gradient.data).entries()) expect(g).toBeCloseTo(expected[i]!, 6);
  });

  it('names --input-name (not a library option) when no input is clearly the one to explain', async () => {
    const failed = await run('two.onnx');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/none is clearly the one to explain; name it with --input-name NAME/);
    expect(failed.stderr).not.toMatch(/'input' option/);
    const done = await run('two.onnx', '--input-name', 'x', '--context', `y=${tmp.path('mask.npy')}`);
    expect(done.code).toBe(0);
  });
});
