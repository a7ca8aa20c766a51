import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/mlp-reference.js';
import { FIRST_WINS_MAX_POOL_BACKENDS, type FirstWinsPadding, firstWinsMaxPoolGrad, withFirstWinsMaxPool } from './first-wins-max-pool.js';
import { fromTfjs } from './index.js';

type Pair = [number, number];

/** Inputs full of ties, as real networks make them, and one without ties. */
const PATTERNS: Record<string, (i: number) => number> = {
  zeros: () => 0,
  relu: (i) => Math.max(0, Math.sin(i * 0.7)),
  levels: (i) => Math.floor(3 * fraction(Math.sin(i * 12.9898) * 43758.5453)) / 2,
  'negative levels': (i) => -Math.floor(3 * fraction(Math.sin(i * 78.233) * 43758.5453)) / 2,
  constant: () => -0.25,
  distinct: (i) => Math.sin(i * 1.37) + i * 1e-3,
};
const PATTERN_NAMES = Object.keys(PATTERNS);

function fraction(v: number): number {
  return v - Math.floor(v);
}

interface Geometry {
  readonly input: Pair;
  readonly filter: Pair;
  readonly strides: Pair;
  readonly pad: FirstWinsPadding;
}

function geometries(): Geometry[] {
  const inputs: Pair[] = [
    [1, 1],
    [2, 3],
    [4, 4],
    [5, 7],
    [7, 5],
  ];
  const filters: Pair[] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [3, 2],
    [2, 3],
  ];
  const strides: Pair[] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
    [2, 1],
    [1, 3],
  ];
  const all: Geometry[] = [];
  for (const input of inputs)
    for (const filter of filters)
      for (const stride of strides)
        for (const pad of ['valid', 'same'] as const) {
          if (pad === 'valid' && (filter[0] > input[0] || filter[1] > input[1])) continue;
          all.push({ input, filter, strides: stride, pad });
        }
  return all;
}

const BATCH = 2;
const CHANNELS = 2;

function values(length: number, at: (i: number) => number): Float32Array {
  return Float32Array.from({ length }, (_, i) => at(i));
}

/** The active backend's own MaxPoolGrad kernel. */
function maxPoolGradKernel(dy: tf.Tensor, input: tf.Tensor, output: tf.Tensor, geometry: Geometry): tf.Tensor {
  const attrs = { filterSize: geometry.filter, strides: geometry.strides, pad: geometry.pad };
  return tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The cpu kernel's MaxPoolGrad (the first maximum of a window wins), read back. */
async function cpuReference(geometry: Geometry, x: Float32Array, dy: (length: number) => Float32Array): Promise<{ dy: Float32Array; dx: Float32Array }> {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  const shape: [number, number, number, number] = [BATCH, ...geometry.input, CHANNELS];
  const result = tf.tidy(() => {
    const input = tf.tensor4d(x, shape);
    const pooled = tf.maxPool(input, geometry.filter, geometry.strides, geometry.pad);
    const upstream = dy(pooled.size);
    return { dy: upstream, dx: maxPoolGradKernel(tf.tensor4d(upstream, pooled.shape), input, pooled, geometry).dataSync() as Float32Array };
  });
  await tf.setBackend(previous);
  return result;
}

function firstWins(geometry: Geometry, x: Float32Array, dy: Float32Array): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, [BATCH, ...geometry.input, CHANNELS]);
    const pooled = tf.maxPool(input, geometry.filter, geometry.strides, geometry.pad);
    const upstream = tf.tensor4d(dy, pooled.shape);
    return firstWinsMaxPoolGrad(tf, upstream, input, pooled, geometry.filter, geometry.strides, geometry.pad).dataSync() as Float32Array;
  });
}

/** Distinct upstream gradients, so that which element receives which one shows. */
const distinctDy = (length: number) => values(length, (i) => 1 + ((i * 7) % 11) * 0.125);

/** A small CNN written with ops: convolution, ReLU (zeros), two max pools, a linear head. */
function smallCnn(x: tf.Tensor4D): tf.Scalar {
  const filter = tf.tensor4d(
    values(3 * 3 * 1 * 3, (i) => Math.cos(i * 0.9) * 0.5),
    [3, 3, 1, 3],
  );
  const features = tf.relu(tf.conv2d(x, filter, 1, 'same'));
  const pooled = tf.maxPool(tf.maxPool(features, 3, 2, 'same'), 2, 2, 'valid');
  const flat = tf.reshape(pooled, [x.shape[0], -1]);
  const head = tf.tensor2d(
    values(flat.shape[1]! * 2, (i) => Math.sin(i * 0.31)),
    [flat.shape[1]!, 2],
  );
  return tf.sum(tf.matMul(flat, head));
}

/** A 9x9 image with saturated (clipped) regions and a flat border. */
const CLIPPED = values(2 * 9 * 9, (i) => Math.min(0.5, Math.max(0, Math.sin(i * 0.23) * 1.5)));

function inputGradient(x: Float32Array): Float32Array {
  return tf.tidy(
    () =>
      tf
        .grad((input: tf.Tensor) => smallCnn(input as tf.Tensor4D))(tf.tensor4d(x, [2, 9, 9, 1]))
        .dataSync() as Float32Array,
  );
}

describe('the first-wins max-pool gradient against what it replaces', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  // These run before any adapter exists in this file, so wasm's own MaxPoolGrad is still
  // registered (an adapter bridges it to cpu): like the webgl and webgpu shaders, it gives a tie
  // to the last maximum.
  it("differs from wasm's own MaxPoolGrad exactly where a window ties", () => {
    const geometry: Geometry = { input: [4, 4], filter: [2, 2], strides: [2, 2], pad: 'valid' };
    // A flat positive image (wasm's kernel mishandles windows whose maximum is 0 or less).
    const x = values(BATCH * 16 * CHANNELS, () => 0.5);
    const dy = distinctDy(BATCH * 4 * CHANNELS);
    const native = tf.tidy(() => {
      const input = tf.tensor4d(x, [BATCH, 4, 4, CHANNELS]);
      const pooled = tf.maxPool(input, 2, 2, 'valid');
      return maxPoolGradKernel(tf.tensor4d(dy, pooled.shape), input, pooled, geometry).dataSync();
    });
    const ours = firstWins(geometry, x, dy);
    // Each 2x2 window of zeros: the first element (row 0, column 0) takes dy, not the last.
    const at = (b: number, r: number, c: number, ch: number) => ((b * 4 + r) * 4 + c) * CHANNELS + ch;
    expect(ours[at(0, 0, 0, 0)]).toBe(dy[0]);
    expect(ours[at(0, 1, 1, 0)]).toBe(0);
    expect(native[at(0, 0, 0, 0)]).toBe(0);
    expect(native[at(0, 1, 1, 0)]).toBe(dy[0]);
  });

  it('keeps the original gradient for numeric padding', () => {
    const run = () =>
      tf.tidy(() =>
        tf
          .grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 1), tf.tensor4d(distinctDy(2 * 3 * 3 * 1), [2, 3, 3, 1]))))(tf.fill([2, 4, 4, 1], 0.5))
          .dataSync(),
      );
    const native = run();
    const swapped = withFirstWinsMaxPool(tf, run, ['wasm']);
    expect(Array.from(swapped)).toEqual(Array.from(native));
    // wasm's gradient: the last element of the window over rows and columns 1..2 took its dy, so
    // this is not the first-wins gradient.
    expect(native[1 * 4 + 1]).toBe(0);
    expect(native[2 * 4 + 2]).toBeGreaterThan(0);
  });
});

describe.each(['cpu', 'wasm'])('the first-wins max-pool gradient on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('equals the cpu kernel on tie-heavy inputs for every geometry (sizes, 1x1 to 3x3 windows, strides 1 to 3, valid and same)', async () => {
    const cases = geometries();
    expect(cases.length).toBeGreaterThan(250);
    let worst = 0;
    let tied = 0;
    for (const [n, geometry] of cases.entries()) {
      // Every geometry meets all-zero windows (ties with the zero padding), and one other pattern.
      for (const pattern of ['zeros', PATTERN_NAMES[1 + (n % (PATTERN_NAMES.length - 1))]]) {
        const x = values(BATCH * geometry.input[0] * geometry.input[1] * CHANNELS, PATTERNS[pattern!]!);
        const expected = await cpuReference(geometry, x, distinctDy);
        const actual = firstWins(geometry, x, expected.dy);
        expect(actual.length).toBe(expected.dx.length);
        for (let i = 0; i < actual.length; i++) {
          const error = Math.abs(actual[i]! - expected.dx[i]!);
          worst = Math.max(worst, error);
          if (error > 1e-6) expect.fail(`${pattern}, ${JSON.stringify(geometry)}: element ${i} is ${actual[i]}, the cpu kernel gives ${expected.dx[i]}`);
        }
        if (geometry.filter[0] * geometry.filter[1] > 1 && pattern !== 'distinct') tied++;
      }
    }
    expect(tied).toBeGreaterThan(300);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('leaves no tensor behind', () => {
    const geometry: Geometry = { input: [5, 7], filter: [3, 3], strides: [2, 2], pad: 'same' };
    const x = tf.tensor4d(values(BATCH * 5 * 7 * CHANNELS, PATTERNS.relu!), [BATCH, 5, 7, CHANNELS]);
    const y = tf.maxPool(x, geometry.filter, geometry.strides, geometry.pad);
    const dy = tf.onesLike(y);
    const before = tf.memory().numTensors;
    const dx = firstWinsMaxPoolGrad(tf, dy, x, y, geometry.filter, geometry.strides, geometry.pad);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(dx.shape).toEqual(x.shape);
    tf.dispose([x, y, dy, dx]);
  });

  it('gives a CNN the cpu input gradients through tf.grad when swapped in, without leaking', async () => {
    await tf.setBackend('cpu');
    const expected = inputGradient(CLIPPED);
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const actual = withFirstWinsMaxPool(tf, () => inputGradient(CLIPPED), [backend]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0);
    expectClose(actual, expected, 1e-5);
  });

  it('puts the original gradient back afterwards, also when the work throws, and swaps nothing on other backends', () => {
    const original = tf.getGradient('MaxPool');
    let during: unknown;
    expect(
      withFirstWinsMaxPool(tf, () => {
        during = tf.getGradient('MaxPool');
        return 7;
      }, [backend]),
    ).toBe(7);
    expect(during).not.toBe(original);
    expect(during).toMatchObject({ kernelName: 'MaxPool', inputsToSave: ['x'], outputsToSave: [true] });
    expect(tf.getGradient('MaxPool')).toBe(original);
    expect(() =>
      withFirstWinsMaxPool(tf, () => {
        throw new Error('boom');
      }, [backend]),
    ).toThrow('boom');
    expect(tf.getGradient('MaxPool')).toBe(original);
    withFirstWinsMaxPool(tf, () => {
      during = tf.getGradient('MaxPool');
    });
    expect(FIRST_WINS_MAX_POOL_BACKENDS).not.toContain(backend);
    expect(during).toBe(original);
  });

  it('is not used by the adapter on this backend (cpu is first-wins already, wasm borrows the cpu kernel)', async () => {
    const original = tf.getGradient('MaxPool');
    let during: unknown;
    const model = fromTfjs(
      tf,
      (x) => {
        during = tf.getGradient('MaxPool');
        return tf.reshape(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [x.shape[0]!, -1]);
      },
      { inputShape: [null, 2, 2, 1] },
    );
    const { inputGradients } = await model.run({ input: { data: new Float32Array(4), shape: [1, 2, 2, 1] }, outputs: ['inputGradients'], target: 0 });
    expect(during).toBe(original);
    expect(Array.from(inputGradients.data)).toEqual([1, 0, 0, 0]);
  });
});
