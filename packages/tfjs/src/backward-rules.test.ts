import { CapabilityError } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../test/graph-builder.js';
import { RELU_RULE_KERNELS, RESCALE_KERNELS, type ReluRule, reluRuleGradient, withReluRule, withRescaleRule } from './backward-rules.js';
import { fromTfjs } from './index.js';

/** Reproducible values in [-scale, scale). */
function values(count: number, seed: number, scale = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648 - 0.5) * 2 * scale;
  });
}

// x [B, I] -> relu-like(x W1 + b1) [B, H] -> W2 [H, C]: large enough weights that some units pass 6.
const B = 3;
const I = 4;
const H = 6;
const C = 3;
const X = values(B * I, 1, 2);
const W1 = values(I * H, 2, 3);
const B1 = values(H, 3);
const W2 = values(H * C, 4);
const TARGET = [0, 2, 1];

/**
 * The modified input gradient of the target logit, by hand: at the hidden units the rule's
 * relu(dy), masked by z > 0 ('guided') and by z <= cap (the cap's ordinary gradient).
 */
function expected(rule: ReluRule, cap = Infinity): Float32Array {
  const out = new Float32Array(B * I);
  for (let r = 0; r < B; r++) {
    for (let h = 0; h < H; h++) {
      let z = B1[h]!;
      for (let i = 0; i < I; i++) z += X[r * I + i]! * W1[i * H + h]!;
      const dy = W2[h * C + TARGET[r]!]!;
      const pass = dy > 0 && (rule === 'deconvnet' || z > 0) && z <= cap;
      if (!pass) continue;
      for (let i = 0; i < I; i++) out[r * I + i]! += dy * W1[i * H + h]!;
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, wanted: Float32Array, tolerance = 1e-6): void {
  const scale = Math.max(...wanted.map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  const error = Math.max(...Array.from(actual, (v, i) => Math.abs(v - wanted[i]!)));
  expect(error).toBeLessThanOrEqual(tolerance * scale);
}

const w1 = () => tf.tensor2d(W1, [I, H]);
const w2 = () => tf.tensor2d(W2, [H, C]);
const b1 = () => tf.tensor1d(B1);

function denseModel(activation: 'relu' | 'relu6' | 'tanh' | 'sigmoid' | 'elu'): tf.LayersModel {
  const input = tf.input({ shape: [I] });
  const hidden = tf.layers.dense({ units: H, activation, name: 'hidden' });
  const out = tf.layers.dense({ units: C, useBias: false, name: 'out' });
  const model = tf.model({ inputs: input, outputs: out.apply(hidden.apply(input)) as tf.SymbolicTensor });
  hidden.setWeights([w1(), b1()]);
  out.setWeights([w2()]);
  return model;
}

async function fusedGraph(activation: 'Relu' | 'Relu6'): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, I]);
  const fusedOps = { list: { s: [btoa('BiasAdd'), btoa(activation)] } };
  const hidden = g.op('hidden', '_FusedMatMul', [x, g.constant('w1', [I, H], W1), g.constant('b1', [H], B1)], {
    fused_ops: fusedOps,
    num_args: { i: '1' },
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  g.matMul('logits', hidden, g.constant('w2', [H, C], W2));
  return g.build();
}

async function guidedMap(source: Parameters<typeof fromTfjs>[1], rule: ReluRule): Promise<Float32Array> {
  const model = fromTfjs(tf, source, { inputShape: [null, I] });
  expect([...(model.backwardRules ?? [])]).toEqual(['guided', 'deconvnet', 'rescale']);
  const { inputGradients } = await model.run({ input: { data: X, shape: [B, I] }, outputs: ['inputGradients'], target: TARGET, backward: { relu: rule } });
  return inputGradients.data as Float32Array;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reluRuleGradient', () => {
  it('passes the positive part of dy through active units (guided), or whatever the input (deconvnet), under the cap', () => {
    const dy = tf.tensor1d([1, -1, 2, 3, -2, 4]);
    const x = tf.tensor1d([1, 1, -1, 0, -3, 7]);
    expect(Array.from(reluRuleGradient(tf, 'guided', dy, x).dataSync())).toEqual([1, 0, 0, 0, 0, 4]);
    expect(Array.from(reluRuleGradient(tf, 'deconvnet', dy, x).dataSync())).toEqual([1, 0, 2, 3, 0, 4]);
    expect(Array.from(reluRuleGradient(tf, 'guided', dy, x, 6).dataSync())).toEqual([1, 0, 0, 0, 0, 0]);
    expect(Array.from(reluRuleGradient(tf, 'deconvnet', dy, x, 6).dataSync())).toEqual([1, 0, 2, 3, 0, 0]);
  });
});

describe.each(['guided', 'deconvnet'] as const)("the '%s' rule reaches every way tfjs writes a ReLU", (rule) => {
  it('a Dense layer with a relu activation (a fused matmul outside gradients), and a GraphModel _FusedMatMul with Relu', async () => {
    const wanted = expected(rule);
    const layers = denseModel('relu');
    expectClose(await guidedMap(layers, rule), wanted);
    layers.dispose();
    const graph = await fusedGraph('Relu');
    expectClose(await guidedMap(graph, rule), wanted);
    graph.dispose();
  });

  it('functions: tf.relu, tf.maximum(x, 0), tf.fused.matMul and tf.fused.conv2d with relu; max(x, 0.5) keeps its gradient', async () => {
    const wanted = expected(rule);
    const [a, b, c] = [w1(), b1(), w2()];
    expectClose(await guidedMap((x) => tf.matMul(tf.relu(tf.add(tf.matMul(x, a), b)), c), rule), wanted);
    expectClose(await guidedMap((x) => tf.matMul(tf.maximum(tf.add(tf.matMul(x, a), b), 0), c), rule), wanted);
    expectClose(await guidedMap((x) => tf.matMul(tf.fused.matMul({ a: x, b: a, bias: b, activation: 'relu' }), c), rule), wanted);
    // The dense layer as a 1x1 convolution of a 1x1 image.
    const filter = a.reshape([1, 1, I, H]) as tf.Tensor4D;
    const conv = (x: tf.Tensor) => tf.fused.conv2d({ x: x.reshape([-1, 1, 1, I]) as tf.Tensor4D, filter, strides: 1, pad: 'valid', bias: b, activation: 'relu' }).reshape([-1, H]);
    expectClose(await guidedMap((x) => tf.matMul(conv(x), c), rule), wanted);
    // Not a ReLU: the rule leaves it alone.
    const shifted = (x: tf.Tensor) => tf.matMul(tf.maximum(tf.add(tf.matMul(x, a), b), 0.5), c);
    const plain = await fromTfjs(tf, shifted, { inputShape: [null, I] }).run({ input: { data: X, shape: [B, I] }, outputs: ['inputGradients'], target: TARGET });
    expect(Array.from(await guidedMap(shifted, rule))).toEqual(Array.from(plain.inputGradients.data));
    tf.dispose([a, b, c, filter]);
  });

  it('ReLU6 as min(relu(x), 6): the relu6 activation, tf.relu6, a clip at [0, 6], a GraphModel _FusedMatMul with Relu6', async () => {
    const wanted = expected(rule, 6);
    // The fixture's pre-activations reach past 6, so the cap matters.
    expect(Array.from(wanted)).not.toEqual(Array.from(expected(rule)));
    const layers = denseModel('relu6');
    expectClose(await guidedMap(layers, rule), wanted);
    layers.dispose();
    const graph = await fusedGraph('Relu6');
    expectClose(await guidedMap(graph, rule), wanted);
    graph.dispose();
    const [a, b, c] = [w1(), b1(), w2()];
    expectClose(await guidedMap((x) => tf.matMul(tf.relu6(tf.add(tf.matMul(x, a), b)), c), rule), wanted);
    expectClose(await guidedMap((x) => tf.matMul(tf.clipByValue(tf.add(tf.matMul(x, a), b), 0, 6), c), rule), wanted);
    tf.dispose([a, b, c]);
  });
});

describe('a ReLU out of the rule’s reach is refused', () => {
  // A ReLU inside a custom gradient: tfjs differentiates it with the user's own function.
  const customRelu = tf.customGrad((x, save) => {
    const y = tf.relu(x as tf.Tensor);
    (save as (t: tf.Tensor[]) => void)([x as tf.Tensor]);
    return { value: y, gradFunc: (dy, [saved]) => tf.mul(dy, tf.step(saved!)) };
  });

  it('inside tf.customGrad: a CapabilityError naming the kernel; without a rule the same model runs', async () => {
    const [a, b, c] = [w1(), b1(), w2()];
    const model = fromTfjs(tf, (x) => tf.matMul(customRelu(tf.add(tf.matMul(x, a), b)) as tf.Tensor, c), { inputShape: [null, I] });
    const before = tf.memory().numTensors;
    const request = { input: { data: X, shape: [B, I] }, outputs: ['inputGradients' as const], target: TARGET };
    const error = await model.run({ ...request, backward: { relu: 'guided' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/Relu.*custom gradient/);
    expect(tf.memory().numTensors).toBe(before);
    const { inputGradients } = await model.run(request);
    expect(Array.from(inputGradients.data)).not.toEqual(Array.from(expected('guided')));
    tf.dispose([a, b, c]);
  });

  it('a fused kernel with a ReLU inside, run while gradients are recorded', () => {
    const a = tf.tensor3d(X, [1, B, I]);
    const b = tf.tensor3d(W1, [1, I, H]);
    const fused = (x: tf.Tensor) => tf.engine().runKernel('_FusedMatMul', { a: x, b }, { transposeA: false, transposeB: false, activation: 'relu' }) as tf.Tensor;
    const run = () => tf.grad((x: tf.Tensor) => tf.sum(fused(x)))(a);
    expect(() => withReluRule(tf, 'guided', run)).toThrow(/fused kernel \(activation 'relu'\) \(tfjs kernel _FusedMatMul\)/);
    tf.dispose([a, b]);
  });
});

type Activation = 'relu' | 'relu6' | 'tanh' | 'sigmoid' | 'elu';
const ACTIVATIONS: Record<Activation, (z: number) => number> = {
  relu: (z) => Math.max(0, z),
  relu6: (z) => Math.min(6, Math.max(0, z)),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  elu: (z) => (z > 0 ? z : Math.exp(z) - 1),
};

/** Baselines for the rows of X: one shared row. */
const BASELINE = values(I, 5, 0.5);

/** DeepLIFT's rescale multipliers by hand: the input gradient of [X; baselines] rows, each pair sharing (f(z) - f(z0)) / (z - z0). */
function expectedRescale(f: (z: number) => number): Float32Array {
  const out = new Float32Array(2 * B * I);
  for (let r = 0; r < B; r++) {
    for (let h = 0; h < H; h++) {
      let z = B1[h]!;
      let z0 = B1[h]!;
      for (let i = 0; i < I; i++) {
        z += X[r * I + i]! * W1[i * H + h]!;
        z0 += BASELINE[i]! * W1[i * H + h]!;
      }
      const m = ((f(z) - f(z0)) / (z - z0)) * W2[h * C + TARGET[r]!]!;
      for (let i = 0; i < I; i++) {
        out[r * I + i]! += m * W1[i * H + h]!;
        out[(B + r) * I + i]! += m * W1[i * H + h]!;
      }
    }
  }
  return out;
}

const PAIRED = { data: Float32Array.from([...X, ...Array.from({ length: B }, () => [...BASELINE]).flat()]), shape: [2 * B, I] };
const PAIRED_TARGET = [...TARGET, ...TARGET];

describe("DeepLIFT's rescale rule", () => {
  it.each(['relu', 'relu6', 'tanh', 'sigmoid', 'elu'] as const)(
    'passes back (f(z) - f(z0)) / (z - z0) through a Dense layer with a %s activation, so the map sums to the change of the logit',
    async (activation) => {
      const layers = denseModel(activation);
      const model = fromTfjs(tf, layers);
      expect(model.backwardRules?.has('rescale')).toBe(true);
      const before = tf.memory().numTensors;
      const { inputGradients, logits } = await model.run({ input: PAIRED, outputs: ['inputGradients', 'logits'], target: PAIRED_TARGET, backward: { rescale: true } });
      expect(tf.memory().numTensors).toBe(before);
      // float32 differences of nearby values: (f(z) - f(z0)) / (z - z0) keeps about 6 digits.
      expectClose(inputGradients.data, expectedRescale(ACTIVATIONS[activation]), 1e-5);
      // Completeness: sum((x - x0) * multipliers) = logit(x) - logit(x0), the output layer being linear.
      for (let r = 0; r < B; r++) {
        let sum = 0;
        for (let i = 0; i < I; i++) sum += (X[r * I + i]! - BASELINE[i]!) * inputGradients.data[r * I + i]!;
        const change = logits.data[r * C + TARGET[r]!]! - logits.data[(B + r) * C + TARGET[r]!]!;
        expect(sum).toBeCloseTo(change, 4);
      }
      layers.dispose();
    },
  );

  it('reaches a LeakyReLU layer and tf.relu6; a tanh inside tf.customGrad is refused', async () => {
    const input = tf.input({ shape: [I] });
    const hidden = tf.layers.dense({ units: H, name: 'hidden' });
    const out = tf.layers.dense({ units: C, useBias: false, name: 'out' });
    const leaky = tf.layers.leakyReLU({ alpha: 0.1 });
    const layers = tf.model({ inputs: input, outputs: out.apply(leaky.apply(hidden.apply(input))) as tf.SymbolicTensor });
    hidden.setWeights([w1(), b1()]);
    out.setWeights([w2()]);
    const { inputGradients } = await fromTfjs(tf, layers).run({ input: PAIRED, outputs: ['inputGradients'], target: PAIRED_TARGET, backward: { rescale: true } });
    expectClose(
      inputGradients.data,
      expectedRescale((z) => (z > 0 ? z : 0.1 * z)),
      1e-5,
    );
    layers.dispose();

    const customTanh = tf.customGrad((x, save) => {
      const y = tf.tanh(x as tf.Tensor);
      (save as (t: tf.Tensor[]) => void)([y]);
      return { value: y, gradFunc: (dy, [saved]) => tf.mul(dy, tf.sub(1, tf.square(saved!))) };
    });
    const [a, b, c] = [w1(), b1(), w2()];
    const relu6 = fromTfjs(tf, (x) => tf.matMul(tf.relu6(tf.add(tf.matMul(x, a), b)), c), { inputShape: [null, I] });
    const capped = await relu6.run({ input: PAIRED, outputs: ['inputGradients'], target: PAIRED_TARGET, backward: { rescale: true } });
    expectClose(capped.inputGradients.data, expectedRescale(ACTIVATIONS.relu6), 1e-5);
    const model = fromTfjs(tf, (x) => tf.matMul(customTanh(tf.add(tf.matMul(x, a), b)) as tf.Tensor, c), { inputShape: [null, I] });
    const error = await model.run({ input: PAIRED, outputs: ['inputGradients'], target: PAIRED_TARGET, backward: { rescale: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/custom gradient.*Tanh.*rescale/);
    tf.dispose([a, b, c]);
  });
});

describe('withReluRule and withRescaleRule', () => {
  it('put back the registered gradients and kernels, also when the work throws', () => {
    const gradients = RELU_RULE_KERNELS.map((k) => tf.getGradient(k));
    const kernel = tf.getKernel('Relu', 'cpu');
    expect(() =>
      withReluRule(tf, 'deconvnet', () => {
        expect(tf.getGradient('Relu')).not.toBe(gradients[0]);
        throw new Error('work failed');
      }),
    ).toThrow('work failed');
    expect(RELU_RULE_KERNELS.map((k) => tf.getGradient(k))).toEqual(gradients);
    expect(tf.getKernel('Relu', 'cpu')).toBe(kernel);
    const rescaled = RESCALE_KERNELS.map((k) => tf.getGradient(k));
    expect(() =>
      withRescaleRule(tf, () => {
        throw new Error('work failed');
      }),
    ).toThrow('work failed');
    expect(RESCALE_KERNELS.map((k) => tf.getGradient(k))).toEqual(rescaled);
    expect(tf.getKernel('Relu', 'cpu')).toBe(kernel);
  });
});
