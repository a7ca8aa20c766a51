import { ModelGraph } from '@salience/onnx-autodiff';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { maskedTextLogits, maskedTextModel, WIDTH } from '../test/text-models.js';
import { MAX_SHAPED_GRAPHS } from './extended-graphs.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const W = [0.5, -2];

/**
 * An image model exported with dynamic spatial dims whose pads are computed from them (Swin's
 * padding to a multiple of the window): x [B, 1, h, w] -> Pad to multiples of 4 -> 4x4 AveragePool
 * -> mean -> x W [1, 2]. d logit[c] / d x = W[c] / (padded h * padded w) for every pixel.
 */
function paddedPoolModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 1, 'h', 'w'] }] });
  const four = g.int64s([4]);
  const dim = (axis: number) => g.add('Unsqueeze', [g.add('Gather', [g.add('Shape', ['x']), g.constant([axis], 'int64', [])], { axis: 0 }), g.int64s([0])]);
  const padTo = (axis: number) => g.add('Mod', [g.add('Sub', [four, g.add('Mod', [dim(axis), four])]), four]);
  const pads = g.add('Concat', [g.int64s([0, 0, 0, 0, 0, 0]), padTo(2), padTo(3)], { axis: 0 });
  const pooled = g.add('AveragePool', [g.add('Pad', ['x', pads])], { kernel_shape: [4, 4], strides: [4, 4] });
  const mean = g.add('ReduceMean', [pooled], { axes: [2, 3], keepdims: 0 });
  g.add('MatMul', [mean, g.constant(W, 'float32', [1, 2])], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

describe('extended graphs per input shape', () => {
  it('specialises gradient graphs to each request shape and builds one session per shape', async () => {
    let created = 0;
    const counting = {
      Tensor: ort.Tensor,
      InferenceSession: {
        create: (...args: Parameters<typeof ort.InferenceSession.create>) => {
          created++;
          return ort.InferenceSession.create(...args);
        },
      },
    } as unknown as OrtModule;
    const model = await fromOnnx(counting, paddedPoolModel(), { sessionOptions: TEST_SESSION_OPTIONS });
    expect(model.capabilities.has('inputGradients')).toBe(true);
    expect(created).toBe(1);

    const ask = async (shape: number[], target: number) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const input = { data: Float32Array.from({ length: count }, (_, i) => Math.sin(i)), shape };
      return (await model.run({ input, outputs: ['inputGradients'], target })).inputGradients;
    };
    // 6 x 5 pads to 8 x 8; 4 x 4 is left as it is.
    const first = await ask([1, 1, 6, 5], 1);
    expect(first.shape).toEqual([1, 1, 6, 5]);
    for (const v of first.data) expect(v).toBeCloseTo(W[1]! / 64, 6);
    const second = await ask([2, 1, 4, 4], 0);
    for (const v of second.data) expect(v).toBeCloseTo(W[0]! / 16, 6);
    expect(created).toBe(3);
    // The same shape again (another target: the target is data) reuses its graph.
    const again = await ask([1, 1, 6, 5], 0);
    for (const v of again.data) expect(v).toBeCloseTo(W[0]! / 64, 6);
    expect(created).toBe(3);
    model.dispose();
  });

  it(`keeps the gradient graphs of the last ${MAX_SHAPED_GRAPHS} shapes, releasing older sessions`, async () => {
    let created = 0;
    let released = 0;
    const counting = {
      Tensor: ort.Tensor,
      InferenceSession: {
        create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
          created++;
          const session = await ort.InferenceSession.create(...args);
          const release = session.release.bind(session);
          session.release = () => {
            released++;
            return release();
          };
          return session;
        },
      },
    } as unknown as OrtModule;
    const model = await fromOnnx(counting, paddedPoolModel(), { sessionOptions: TEST_SESSION_OPTIONS });
    const ask = async (h: number) => {
      const input = { data: new Float32Array(h * 4), shape: [1, 1, h, 4] };
      const { inputGradients } = await model.run({ input, outputs: ['inputGradients'], target: 0 });
      const padded = Math.ceil(h / 4) * 4 * 4;
      for (const v of inputGradients.data) expect(v).toBeCloseTo(W[0]! / padded, 6);
    };
    for (let h = 1; h <= MAX_SHAPED_GRAPHS; h++) await ask(h);
    expect([created, released]).toEqual([1 + MAX_SHAPED_GRAPHS, 0]);
    await ask(1);
    expect(created).toBe(1 + MAX_SHAPED_GRAPHS);
    // A new shape past the limit lets the least recently used one (h = 2) go.
    await ask(MAX_SHAPED_GRAPHS + 1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([created, released]).toEqual([2 + MAX_SHAPED_GRAPHS, 1]);
    await ask(2);
    expect(created).toBe(3 + MAX_SHAPED_GRAPHS);
    model.dispose();
  });

  it("answers a token model's logits and embeddings from one forward session, and its gradients from one more", async () => {
    let created = 0;
    const counting = {
      Tensor: ort.Tensor,
      InferenceSession: {
        create: (...args: Parameters<typeof ort.InferenceSession.create>) => {
          created++;
          return ort.InferenceSession.create(...args);
        },
      },
    } as unknown as OrtModule;
    const model = await fromOnnx(counting, maskedTextModel(), { sessionOptions: TEST_SESSION_OPTIONS });
    const ids = [3, 1, 4, 1];
    const input = { data: Float32Array.from(ids), shape: [1, 4] };
    const { logits } = await model.run({ input, outputs: ['logits'] });
    const { embeddings, logits: again } = await model.run({ input, outputs: ['embeddings', 'logits'] });
    expect(created).toBe(1);
    const expected = maskedTextLogits(ids, [1, 1, 1, 1]);
    for (const out of [logits, again]) for (const [c, v] of expected.entries()) expect(out.data[c]).toBeCloseTo(v, 5);
    expect(embeddings.shape).toEqual([1, 4, WIDTH]);
    // As tokenIntegratedGradients asks: gradients from the embeddings fed.
    const { embeddingGradients } = await model.run({ input, embeddings, outputs: ['embeddingGradients'], target: 1 });
    expect(embeddingGradients.shape).toEqual([1, 4, WIDTH]);
    expect(created).toBe(2);
    model.dispose();
  });
});
