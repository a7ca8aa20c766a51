import { ModelGraph } from '@salience/onnx-autodiff';

/**
 * x [batch, 4] -> MatMul -> Softsign (node 'squash', no built-in gradient rule) -> MatMul -> logits [batch, 3].
 * The weights are fixed so that tests can compute the gradient by hand.
 */
export const W1 = [0.5, -1, 0.25, 2, 1.5, 0.5, -0.75, 1, -0.5, 0.3, 1.2, -1.1];
export const W2 = [1, -2, 0.5, 0.3, 1.1, -0.7, -1.3, 0.4, 0.9];

export function softsignModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }] });
  const h = g.add('MatMul', ['x', g.constant(W1, 'float32', [4, 3])], undefined, { name: 'hidden', output: 'h' });
  const s = g.add('Softsign', [h], undefined, { name: 'squash', output: 's' });
  g.add('MatMul', [s, g.constant(W2, 'float32', [3, 3])], undefined, { name: 'head', output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

/** d softsign(x) = dy / (1 + |x|)^2, inputs 'x' and 'dy', output 'dx': a user's gradient graph. */
export function softsignGradient(): Uint8Array {
  const g = ModelGraph.create({
    inputs: [
      { name: 'x', type: 'float32', shape: ['n', 3] },
      { name: 'dy', type: 'float32', shape: ['n', 3] },
    ],
  });
  const denominator = g.add('Add', [g.add('Abs', ['x']), g.scalar(1)]);
  g.add('Div', ['dy', g.add('Mul', [denominator, denominator])], undefined, { output: 'dx' });
  g.addOutput('dx');
  return g.toBytes();
}

/** d logits[target] / d x of the Softsign model, by hand. */
export function softsignInputGradient(x: ArrayLike<number>, target: number): Float32Array {
  const h = [0, 0, 0];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) h[j]! += x[i]! * W1[i * 3 + j]!;
  const dh = h.map((v, j) => W2[j * 3 + target]! / (1 + Math.abs(v)) ** 2);
  const dx = new Float32Array(4);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) dx[i]! += W1[i * 3 + j]! * dh[j]!;
  return dx;
}

/** A linear model x [batch, 3] -> logits [batch, 4] whose batch dimension is `batch` (a number fixes it). */
export function linearModel(batch: number | string): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [batch, 3] }] });
  const w = g.constant([1, 2, -1, 0.5, -0.5, 1, 2, -2, 0.25, 0.75, -1.5, 1], 'float32', [3, 4]);
  g.add('Tanh', [g.add('MatMul', ['x', w], undefined, { output: 'h' })], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

/** int32 ids [batch, 5] -> Gather (table [10, 4]) -> mean over tokens -> MatMul -> logits [batch, 2]. */
export function int32TokenModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'ids', type: 'int32', shape: ['batch', 5] }] });
  const table = g.constant(
    Array.from({ length: 40 }, (_, i) => Math.sin(i + 1)),
    'float32',
    [10, 4],
  );
  const embedded = g.add('Gather', [table, 'ids'], { axis: 0 }, { name: '/emb/Gather', output: '/emb/Gather_output_0' });
  const pooled = g.add('ReduceMean', [embedded], { axes: [1], keepdims: 0 }, { output: 'pooled' });
  g.add('MatMul', [pooled, g.constant([1, -1, 0.5, 2, -0.3, 0.7, 1.1, -0.2], 'float32', [4, 2])], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

/** A model with two inputs and two outputs. */
export function twoInputTwoOutputModel(): Uint8Array {
  const g = ModelGraph.create({
    inputs: [
      { name: 'a', type: 'float32', shape: ['batch', 2] },
      { name: 'b', type: 'float32', shape: ['batch', 2] },
    ],
  });
  g.add('Add', ['a', 'b'], undefined, { output: 'sum' });
  g.add('Mul', ['a', 'b'], undefined, { output: 'product' });
  g.addOutput('sum');
  g.addOutput('product');
  return g.toBytes();
}

/** x [batch, 4] reshaped to [2, 2] whatever the batch: only a batch of one runs. */
export function batchOfOneModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }] });
  g.add('Reshape', ['x', g.constant([2, 2], 'int64', [2])], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}
