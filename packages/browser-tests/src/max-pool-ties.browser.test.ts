import type { TensorData } from '@salience/core';
import { type FirstWinsPadding, firstWinsMaxPoolGrad, fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import { offerOf, switchBackend, type TfjsBackend } from './backends.js';
import { GPU_TOLERANCE } from './tolerance.js';

/**
 * Max pooling over ties, where the gradient's owner is a convention: PyTorch (and Captum's
 * fixtures) and tfjs-cpu give it to the first maximum of a window, the webgl and webgpu MaxPoolGrad
 * shaders to the last. The Captum fixtures have random inputs and never tie; real images do.
 */

const SIZE = 12;

/** conv (bias > 0, so flat regions stay positive and equal after ReLU), 2x2 valid pool, conv, 3x3 stride-2 same pool, dense. */
function tieModel(): tf.Sequential {
  const model = tf.sequential();
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  model.add(
    tf.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [SIZE, SIZE, 1],
      kernelInitializer: seeded(1),
      biasInitializer: tf.initializers.constant({ value: 0.1 }),
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(
    tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(2), biasInitializer: tf.initializers.constant({ value: 0.05 }) }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, kernelInitializer: seeded(3) }));
  return model;
}

/** A flat image, a saturated one (values clipped to [0, 1]) and a black one with a bright square. */
function tieImages(): TensorData {
  const pixels = SIZE * SIZE;
  const data = new Float32Array(3 * pixels);
  for (let p = 0; p < pixels; p++) {
    const [r, c] = [Math.floor(p / SIZE), p % SIZE];
    data[p] = 0.5;
    data[pixels + p] = Math.min(1, Math.max(0, 1.6 * Math.sin(r * 0.5) * Math.cos(c * 0.4) + 0.3));
    data[2 * pixels + p] = r >= 3 && r < 8 && c >= 4 && c < 10 ? 1 : 0;
  }
  return { data, shape: [3, SIZE, SIZE, 1] };
}

const TARGETS = [0, 1, 2];

function largest(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** max |actual - expected| / max |expected|, example by example. */
function relativeErrors(actual: ArrayLike<number>, expected: ArrayLike<number>, rows: number): number[] {
  const per = expected.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let error = 0;
    let scale = 0;
    for (let i = r * per; i < (r + 1) * per; i++) {
      error = Math.max(error, Math.abs(actual[i]! - expected[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    return error / scale;
  });
}

const show = (errors: number[]) => errors.map((e) => e.toExponential(2)).join(' / ');

/** tfjs's own gradient on the active backend, without the adapter. */
async function nativeGradients(model: tf.LayersModel, images: TensorData): Promise<Float32Array> {
  const gradient = tf.tidy(() => {
    const x = tf.tensor4d(images.data, images.shape as [number, number, number, number]);
    const mask = tf.oneHot(tf.tensor1d(TARGETS, 'int32'), 3);
    return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(model.predict(input) as tf.Tensor, mask)))(x);
  });
  const values = (await gradient.data()) as Float32Array;
  gradient.dispose();
  return values;
}

expect(await switchBackend(tf, 'cpu')).toBe(true);
const model = tieModel();
const images = tieImages();
const request = { input: images, outputs: ['inputGradients'] as const, target: TARGETS };
const onCpu = (await fromTfjs(tf, model).run(request)).inputGradients;
const cpuNative = await nativeGradients(model, images);

describe('max-pooling ties on the GPU backends', () => {
  it('the cpu reference is first-wins, and its input gradients are not all zero', () => {
    expect(Math.max(...relativeErrors(cpuNative, onCpu.data, 3))).toBeLessThan(1e-6);
    for (let r = 0; r < 3; r++) expect(largest(onCpu.data.subarray(r * SIZE * SIZE, (r + 1) * SIZE * SIZE))).toBeGreaterThan(0);
  });

  for (const backend of ['webgl', 'webgpu'] as TfjsBackend[]) {
    it(`gives the cpu backend's input gradients on ${backend} (first maximum of a window wins)`, async () => {
      const offer = await offerOf(tf, backend);
      expect(offer.offered, offer.detail).toBe(true);
      const adapter = fromTfjs(tf, model);
      await adapter.run(request); // compiles the shaders and moves the weights
      const before = tf.memory().numTensors;
      const { inputGradients } = await adapter.run(request);
      expect(tf.memory().numTensors).toBe(before);
      const native = await nativeGradients(model, images);
      const adapterErrors = relativeErrors(inputGradients.data, onCpu.data, 3);
      const nativeErrors = relativeErrors(native, onCpu.data, 3);
      console.log(
        `max-pool ties on ${backend} (${offer.detail}), error / largest |cpu gradient| for the flat / saturated / square image: ` +
          `adapter ${show(adapterErrors)}, plain tf.grad ${show(nativeErrors)}`,
      );
      expect(Math.max(...adapterErrors)).toBeLessThanOrEqual(GPU_TOLERANCE);
      // Why the adapter swaps the gradient: tfjs's own shader gives ties to the last maximum. When
      // this fails, tfjs breaks ties like cpu now, and FIRST_WINS_MAX_POOL_BACKENDS can drop it.
      expect(Math.max(...nativeErrors), `tfjs ${backend}'s own MaxPoolGrad now agrees with cpu`).toBeGreaterThan(0.1);
      await switchBackend(tf, 'cpu');
    });
  }

  for (const backend of ['webgl', 'webgpu'] as TfjsBackend[]) {
    it(`firstWinsMaxPoolGrad equals the cpu kernel on ${backend} for windows, strides and paddings of every kind`, async () => {
      const expected = [];
      for (const geometry of GEOMETRIES) expected.push(await poolGradient(geometry, 'cpu kernel'));
      expect(await switchBackend(tf, backend)).toBe(true);
      let worst = 0;
      for (const [n, geometry] of GEOMETRIES.entries()) {
        const actual = await poolGradient(geometry, 'first wins');
        for (let i = 0; i < actual.length; i++) {
          const error = Math.abs(actual[i]! - expected[n]![i]!);
          worst = Math.max(worst, error);
          if (error > 1e-6) expect.fail(`${JSON.stringify(geometry)}: element ${i} is ${actual[i]}, the cpu kernel gives ${expected[n]![i]}`);
        }
      }
      console.log(`firstWinsMaxPoolGrad on ${backend}: ${GEOMETRIES.length} geometries, largest difference from the cpu kernel ${worst.toExponential(2)}`);
      await switchBackend(tf, 'cpu');
    });
  }
});

interface Geometry {
  readonly input: [number, number];
  readonly filter: [number, number];
  readonly strides: [number, number];
  readonly pad: FirstWinsPadding;
}

/** Windows larger than, equal to and smaller than the stride, unequal strides, windows over the edge. */
const GEOMETRIES: readonly Geometry[] = [
  { input: [6, 6], filter: [2, 2], strides: [2, 2], pad: 'valid' },
  { input: [7, 5], filter: [2, 2], strides: [2, 2], pad: 'same' },
  { input: [7, 7], filter: [3, 3], strides: [2, 2], pad: 'same' },
  { input: [6, 5], filter: [3, 3], strides: [2, 2], pad: 'valid' },
  { input: [5, 5], filter: [3, 3], strides: [1, 1], pad: 'same' },
  { input: [5, 6], filter: [2, 2], strides: [1, 1], pad: 'valid' },
  { input: [7, 6], filter: [3, 2], strides: [1, 2], pad: 'same' },
  { input: [6, 7], filter: [2, 3], strides: [3, 1], pad: 'same' },
  { input: [7, 7], filter: [2, 2], strides: [3, 3], pad: 'valid' },
  { input: [8, 7], filter: [3, 3], strides: [3, 2], pad: 'same' },
  { input: [1, 1], filter: [3, 3], strides: [2, 2], pad: 'same' },
  { input: [4, 4], filter: [1, 1], strides: [2, 2], pad: 'valid' },
];

/** Channels 0 and 1 are zeros and ReLU-like zeros with repeats; distinct upstream gradients. */
async function poolGradient(geometry: Geometry, by: 'cpu kernel' | 'first wins'): Promise<Float32Array> {
  const [h, w] = geometry.input;
  const shape: [number, number, number, number] = [2, h, w, 2];
  const dx = tf.tidy(() => {
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * h * w * 2 }, (_, i) => (i % 2 === 0 ? 0 : Math.max(0, Math.round(Math.sin(i * 0.7) * 2) / 2))),
      shape,
    );
    const y = tf.maxPool(x, geometry.filter, geometry.strides, geometry.pad);
    const dy = tf.tensor4d(
      Float32Array.from({ length: y.size }, (_, i) => 1 + ((i * 7) % 11) * 0.125),
      y.shape,
    );
    if (by === 'first wins') return firstWinsMaxPoolGrad(tf, dy, x, y, geometry.filter, geometry.strides, geometry.pad);
    const attrs = { filterSize: geometry.filter, strides: geometry.strides, pad: geometry.pad };
    return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
  const values = (await dx.data()) as Float32Array;
  dx.dispose();
  return values;
}
