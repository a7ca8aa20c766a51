import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convAttrs, GraphBuilder } from '../test/graph-builder.js';
import { expectClose, expectNoLeak } from '../test/mlp-reference.js';
import { withoutFilterGradients } from './filter-gradients.js';
import { fromTfjs } from './index.js';

function convNet(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.activation({ activation: 'relu', name: 'c1_relu' }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }));
  model.add(tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'c2', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(tf.layers.dense({ units: 3, name: 'fc', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return model;
}

/** A graph whose convolution filter is scaled by the mean of the input: it depends on the input. */
function inputDependentFilterGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 4, 4, 1]);
  const base = g.constant('base', [2, 2, 1, 2], [0.5, -0.25, 1, 0.75, -0.5, 0.3, 0.2, 0.9]);
  const scale = g.op('scale', 'Mean', [x, g.constant('axes', [4], [0, 1, 2, 3], 'int32')], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  const filter = g.op('filter', 'Mul', [base, scale]);
  const conv = g.op('conv', 'Conv2D', [x, filter], convAttrs([1, 1, 1, 1], 'VALID'));
  g.op('logits', 'Sum', [conv, g.constant('spatial', [2], [1, 2], 'int32')], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  return g.build();
}

const IMAGES = tensor(
  Float32Array.from({ length: 3 * 8 * 8 * 2 }, (_, i) => Math.sin(i * 0.41)),
  [3, 8, 8, 2],
);

describe.each(['cpu', 'wasm'])('filter gradients on %s', (backend) => {
  const counted: KernelConfig[] = [];
  let calls = 0;

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  afterEach(() => {
    for (const original of counted.splice(0)) {
      tf.unregisterKernel(original.kernelName, original.backendName);
      tf.registerKernel(original);
    }
  });

  /** Counts the calls of the active backend's Conv2DBackpropFilter kernel (bridged to cpu on wasm). */
  function countFilterGradients(): void {
    fromTfjs(tf, (x) => x, { inputShape: [null, 1] }); // registers the cpu bridges on wasm
    const original = tf.getKernel('Conv2DBackpropFilter', backend)!;
    counted.push(original);
    tf.unregisterKernel('Conv2DBackpropFilter', backend);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        calls++;
        return original.kernelFunc(args);
      },
    });
    calls = 0;
  }

  it('are skipped for a LayersModel, with the same input and layer gradients as when computed', async () => {
    countFilterGradients();
    const model = convNet();
    const request = { input: IMAGES, outputs: ['logits', 'inputGradients', 'layerGradients'] as const, target: [0, 1, 2], layer: 'dw' };
    const computed = await fromTfjs(tf, model, { skipFilterGradients: false }).run(request);
    expect(calls).toBeGreaterThan(0);
    calls = 0;
    const skipped = (await expectNoLeak(() => fromTfjs(tf, model).run(request))) as typeof computed;
    expect(calls).toBe(0);
    for (const name of request.outputs) expectClose(skipped[name].data, computed[name].data, 0);
  });

  it('restore the kernel registry afterwards, also when the work throws', () => {
    const before = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'Conv3DBackpropFilterV2'].map((name) => tf.getKernel(name, backend));
    expect(withoutFilterGradients(tf, () => 7)).toBe(7);
    expect(() =>
      withoutFilterGradients(tf, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const after = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'Conv3DBackpropFilterV2'].map((name) => tf.getKernel(name, backend));
    expect(after).toEqual(before);
  });

  it('are computed for a graph whose filter depends on the input, and its input gradients are right', async () => {
    const graph = await inputDependentFilterGraph();
    const input = tensor(
      Float32Array.from({ length: 2 * 16 }, (_, i) => Math.cos(i * 0.7) + 0.3),
      [2, 4, 4, 1],
    );
    const { inputGradients } = await fromTfjs(tf, graph).run({ input, outputs: ['inputGradients'], target: 1 });
    const expected = tf.tidy(() => {
      const x = tf.tensor(input.data, [2, 4, 4, 1]);
      return tf
        .grad((z: tf.Tensor) => tf.sum(tf.slice(graph.execute(z) as tf.Tensor, [0, 1], [2, 1])))(x)
        .dataSync();
    });
    expectClose(inputGradients.data, expected, 1e-5);
    const wrong = await fromTfjs(tf, graph, { skipFilterGradients: true }).run({ input, outputs: ['inputGradients'], target: 1 });
    expect(Math.max(...wrong.inputGradients.data.map((v, i) => Math.abs(v - expected[i]!)))).toBeGreaterThan(1e-3);
  });
});
