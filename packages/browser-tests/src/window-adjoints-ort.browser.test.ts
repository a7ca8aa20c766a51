import { createRng } from '@salience/core';
// The gradient rules themselves, as @salience/onnx builds them.
import { type Attributes, addGradients, type Dim, ModelGraph } from '@salience/onnx-autodiff';
import { compareMaps } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { configureOrt, ortOffer, sessionOptions } from './ort-runtime.js';
import { GPU_TOLERANCE } from './tolerance.js';

/**
 * The gradients of strided convolutions and pools go back through a ConvTranspose, whose WebGPU
 * kernel in onnxruntime-web (the default build's JSEP kernel, 1.30) starts its output at
 * floor((begin + end) / 2) instead of at the begin pad. These graphs, one per geometry that makes
 * @salience/onnx-autodiff cover the input differently, must agree on webgpu and wasm.
 */
interface WindowCase {
  readonly label: string;
  readonly op: 'Conv' | 'MaxPool' | 'AveragePool';
  readonly x: readonly number[];
  /** Declared input dims, where they differ from the fed ones. */
  readonly declared?: readonly Dim[];
  readonly attrs: Attributes;
  /** Conv weight shape. */
  readonly w?: readonly number[];
}

const CASES: WindowCase[] = [
  {
    label: 'colorcnn b1: 3x3 stride 2 pad 1 on 32x32 (begin pad above the end pad)',
    op: 'Conv',
    x: [2, 3, 32, 32],
    w: [8, 3, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  { label: '3x3 stride 2 pad 1 on 9x9 (pads end = begin)', op: 'Conv', x: [1, 3, 9, 9], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'stride 2, begin pads only, odd input (crop)', op: 'Conv', x: [1, 3, 9, 9], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 0, 0] } },
  { label: 'stride 2, end pads past the last window (crop)', op: 'Conv', x: [1, 2, 8, 7], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 0, 3, 3] } },
  { label: 'stride 1, pads wider than the kernel (crop)', op: 'Conv', x: [1, 2, 5, 6], w: [3, 2, 3, 3], attrs: { pads: [3, 1, 0, 3] } },
  { label: '7x7 stride 2 pad 3 on 32x32 (ResNet stem)', op: 'Conv', x: [1, 3, 32, 32], w: [4, 3, 7, 7], attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { label: 'dilation 2, stride 2', op: 'Conv', x: [1, 2, 10, 10], w: [3, 2, 3, 3], attrs: { strides: [2, 2], dilations: [2, 2], pads: [2, 2, 1, 1] } },
  { label: 'depthwise, stride 2 pad 1', op: 'Conv', x: [1, 4, 8, 8], w: [4, 1, 3, 3], attrs: { group: 4, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: '1-D, stride 2 pad 1', op: 'Conv', x: [2, 3, 16], w: [4, 3, 3], attrs: { strides: [2], pads: [1, 1] } },
  { label: 'dynamic spatial dims, stride 2', op: 'Conv', x: [1, 2, 8, 7], declared: ['n', 2, 'h', 'w'], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 0, 1] } },
  { label: 'max pool 3x3 stride 2 pad 1 on 16x16 (ResNet)', op: 'MaxPool', x: [1, 3, 16, 16], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'average pool 3x3 stride 1, pads on one side (crop)', op: 'AveragePool', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 3], pads: [1, 2, 0, 0] } },
];

function uniform(count: number, seed: number): Float32Array {
  return createRng(seed).fillUniform(new Float32Array(count), -1, 1);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** d sum(y * y / 2) / dx (a seed of y itself, different at every position), and its output name. */
function gradientModel(c: WindowCase): { bytes: Uint8Array; output: string } {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: c.declared ?? c.x }] });
  const inputs = ['x'];
  if (c.w) inputs.push(g.constant(uniform(size(c.w), 7), 'float32', c.w, 'w'));
  // kernel_shape as exporters write it: onnxruntime-web's WebGPU Conv refuses a node without it or strides.
  const attrs = c.w ? { kernel_shape: c.w.slice(2), ...c.attrs } : c.attrs;
  const y = g.add(c.op, inputs, attrs, { output: 'y' });
  const half = g.add('Mul', [g.add('Mul', [y, y]), g.scalar(0.5)], undefined, { output: 'objective' });
  const built = addGradients(g, { of: half, wrt: ['x'], maxPoolTies: 'split' });
  return { bytes: built.model, output: built.gradients.x! };
}

async function run(provider: 'wasm' | 'webgpu', bytes: Uint8Array, x: { data: Float32Array; shape: readonly number[] }, output: string) {
  const ort = configureOrt();
  const session = await ort.InferenceSession.create(bytes, sessionOptions(provider));
  try {
    const feed = new ort.Tensor('float32', x.data, [...x.shape]);
    const result = (await session.run({ x: feed }, [output]))[output]!;
    const data = Float32Array.from((await result.getData()) as Float32Array);
    result.dispose();
    feed.dispose();
    return { data, shape: [...result.dims] };
  } finally {
    await session.release();
  }
}

const { offered, detail } = await ortOffer('webgpu');

describe(`the conv and pool gradients of @salience/onnx-autodiff on onnxruntime-web webgpu (${detail})`, () => {
  if (!offered) {
    it('is NOT offered by this browser: nothing to compare', async () => {
      console.log(`window adjoints: onnxruntime-web webgpu is not offered here: ${detail}`);
      await expect(configureOrt().InferenceSession.create(gradientModel(CASES[0]!).bytes, sessionOptions('webgpu'))).rejects.toThrow();
    });
    return;
  }

  it.each(CASES)('$label: webgpu equals wasm', async (c) => {
    const { bytes, output } = gradientModel(c);
    const x = { data: uniform(size(c.x), 11), shape: c.x };
    const expected = await run('wasm', bytes, x, output);
    const actual = await run('webgpu', bytes, x, output);
    expect(actual.shape).toEqual([...c.x]);
    const comparison = compareMaps(actual, expected);
    console.log(`window adjoints: ${c.label}: webgpu vs wasm ${comparison.relativeError.toExponential(2)}`);
    expect(comparison.relativeError).toBeLessThanOrEqual(GPU_TOLERANCE);
  });

  it("onnxruntime-web's WebGPU ConvTranspose still misreads pads (1, 0): the workaround in onnx-autodiff's windows.ts is still needed", async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [1, 2, 4, 4] }] });
    const w = g.constant(uniform(2 * 3 * 9, 3), 'float32', [2, 3, 3, 3], 'w');
    g.add('ConvTranspose', ['x', w], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0] }, { output: 'y' });
    g.addOutput('y');
    const x = { data: uniform(32, 5), shape: [1, 2, 4, 4] };
    const expected = await run('wasm', g.toBytes(), x, 'y');
    const actual = await run('webgpu', g.toBytes(), x, 'y');
    const { relativeError } = compareMaps(actual, expected);
    console.log(`window adjoints: a bare ConvTranspose with pads (1, 1, 0, 0): webgpu vs wasm ${relativeError.toExponential(2)}`);
    // Once this fails, onnxruntime-web reads asymmetric pads right: coverAxis may then use them as they are.
    expect(relativeError, 'onnxruntime-web now reads ConvTranspose pads (1, 1, 0, 0) right on webgpu').toBeGreaterThan(GPU_TOLERANCE);
  });
});
