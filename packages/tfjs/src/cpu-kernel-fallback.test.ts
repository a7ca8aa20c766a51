import type { TensorData } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convAttrs, GraphBuilder } from '../test/graph-builder.js';
import { expectClose, expectNoLeak } from '../test/mlp-reference.js';
import { fromTfjs, missingBackwardKernels } from './index.js';

/** A MobileNet-style block: conv, depthwise conv, pointwise conv, global pooling, dense. */
function mobileNetBlock(): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu6',
      inputShape: [8, 8, 3],
      name: 'stem',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'depthwise', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tf.layers.activation({ activation: 'relu6', name: 'depthwise_relu' }));
  model.add(tf.layers.conv2d({ filters: 6, kernelSize: 1, name: 'pointwise', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return model;
}

/** The same kind of block as a frozen graph, with a DepthwiseConv2dNative node. */
function depthwiseGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 6, 6, 2]);
  const filter = g.constant(
    'filter',
    [3, 3, 2, 1],
    Array.from({ length: 18 }, (_, i) => Math.cos(i) / 3),
  );
  const dw = g.op('dw', 'DepthwiseConv2dNative', [x, filter], convAttrs([1, 1, 1, 1], 'SAME'));
  const relu = g.op('dw_relu', 'Relu', [dw]);
  const mean = g.op('mean', 'Mean', [relu, g.constant('axes', [2], [1, 2], 'int32')], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  g.matMul('logits', mean, g.constant('head', [2, 3], [0.5, -0.3, 0.8, -0.6, 0.2, 0.4]));
  return g.build();
}

const IMAGES = tensor(
  Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37)),
  [2, 8, 8, 3],
);
const SMALL = tensor(
  Float32Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.cos(i * 0.21)),
  [2, 6, 6, 2],
);

async function on(backend: string): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
}

function maxAbs(t: TensorData): number {
  return t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('the cpu kernel fallback on wasm', () => {
  let missingAtStart: string[] = [];

  beforeAll(async () => {
    await on('wasm');
    missingAtStart = missingBackwardKernels(tf);
  });

  afterAll(() => {
    // Leave the kernel registry as this file found it.
    for (const name of missingAtStart) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  });

  it('starts from a wasm backend that lacks the backward kernels of depthwise convolutions', () => {
    expect(missingAtStart).toEqual(
      expect.arrayContaining(['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'Conv2DBackpropFilter', 'UnsortedSegmentSum']),
    );
  });

  it('leaves the registry alone when opted out, and then fails with a ModelError that names the kernel', async () => {
    await on('wasm');
    const adapter = fromTfjs(tf, mobileNetBlock(), { cpuKernelFallback: false });
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeUndefined();
    const error = await expectNoLeak(() => adapter.run({ input: IMAGES, outputs: ['inputGradients'], target: 0 }));
    // Depthwise convolutions need DepthwiseConv2dNativeBackpropInput; convolutions with a bias run
    // tfjs's fused kernel, whose gradient also computes the filter's (Conv2DBackpropFilter).
    expect(error).toMatchObject({ name: 'ModelError', message: expect.stringMatching(/lacks '\w+'; leave cpuKernelFallback on/) });
    const kernel = /lacks '(\w+)'/.exec((error as Error).message)![1];
    expect(missingAtStart).toContain(kernel);
    expect(missingBackwardKernels(tf)).toEqual(missingAtStart);
    // Logits need no backward kernel.
    const { logits } = await adapter.run({ input: IMAGES, outputs: ['logits'] });
    expect(logits.shape).toEqual([2, 3]);
  });

  it('gives a depthwise model the same input and layer gradients on wasm as on cpu', async () => {
    const model = mobileNetBlock();
    const request = {
      input: IMAGES,
      outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'] as const,
      target: [0, 2],
      layer: 'depthwise',
      objective: 'log-probability' as const,
    };
    await on('cpu');
    const onCpu = await fromTfjs(tf, model).run(request);
    await on('wasm');
    const adapter = fromTfjs(tf, model);
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
    // The first call on wasm moves the weights off the cpu backend; the bridge must then leave nothing there.
    await adapter.run(request);
    const cpuBackend = tf.findBackend('cpu')!;
    const cpuDataBefore = cpuBackend.numDataIds();
    const onWasm = (await expectNoLeak(() => adapter.run(request))) as typeof onCpu;
    expect(cpuBackend.numDataIds()).toBe(cpuDataBefore);
    expect(maxAbs(onWasm.inputGradients)).toBeGreaterThan(0);
    for (const name of request.outputs) {
      expect(onWasm[name].shape).toEqual(onCpu[name].shape);
      expectClose(onWasm[name].data, onCpu[name].data, 1e-5 * Math.max(1, maxAbs(onCpu[name])));
    }
  });

  it('gives a GraphModel with a DepthwiseConv2dNative node the same input gradients on wasm as on cpu', async () => {
    const graph = await depthwiseGraph();
    const request = { input: SMALL, outputs: ['inputGradients', 'layerGradients'] as const, target: 'predicted' as const, layer: 'dw' };
    await on('cpu');
    const onCpu = await fromTfjs(tf, graph).run(request);
    await on('wasm');
    const onWasm = await fromTfjs(tf, graph).run(request);
    expect(maxAbs(onCpu.inputGradients)).toBeGreaterThan(0);
    expectClose(onWasm.inputGradients.data, onCpu.inputGradients.data, 1e-6);
    expectClose(onWasm.layerGradients.data, onCpu.layerGradients.data, 1e-6);
  });

  it('bridges UnsortedSegmentSum too: the gradient of a gather with respect to its table', async () => {
    await on('wasm');
    const before = tf.memory().numTensors;
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table);
    expectClose(await gradient.data(), [1, 1, 0, 0, 2, 2]);
    tf.dispose([table, ids, gradient]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('breaks max-pooling ties like PyTorch and the cpu backend (the first maximum of a window wins)', async () => {
    const model = tf.sequential();
    model.add(tf.layers.maxPooling2d({ poolSize: 2, inputShape: [2, 2, 1] }));
    model.add(tf.layers.flatten());
    const flat = tensor(new Float32Array(4).fill(1), [1, 2, 2, 1]);
    await on('cpu');
    const onCpu = await fromTfjs(tf, model).run({ input: flat, outputs: ['inputGradients'], target: 0 });
    expect(Array.from(onCpu.inputGradients.data)).toEqual([1, 0, 0, 0]);
    await on('wasm');
    const onWasm = await fromTfjs(tf, model).run({ input: flat, outputs: ['inputGradients'], target: 0 });
    expect(Array.from(onWasm.inputGradients.data)).toEqual([1, 0, 0, 0]);
  });

  it("gives windows whose maximum is 0 or less their gradient too (wasm's own MaxPoolGrad drops it)", async () => {
    const model = tf.sequential();
    model.add(tf.layers.maxPooling2d({ poolSize: 2, inputShape: [4, 4, 1] }));
    model.add(tf.layers.flatten());
    const negative = tensor(
      Float32Array.from({ length: 16 }, (_, i) => -1 - (i % 5)),
      [1, 4, 4, 1],
    );
    const request = { input: negative, outputs: ['inputGradients'] as const, target: 3 };
    await on('cpu');
    const onCpu = await fromTfjs(tf, model).run(request);
    expect(maxAbs(onCpu.inputGradients)).toBe(1);
    await on('wasm');
    const onWasm = await fromTfjs(tf, model).run(request);
    expect(Array.from(onWasm.inputGradients.data)).toEqual(Array.from(onCpu.inputGradients.data));
  });
});
