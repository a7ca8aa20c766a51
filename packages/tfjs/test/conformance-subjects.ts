import type { TensorData } from '@salience/core';
import { createRng } from '@salience/core';
import { describeModelConformance } from '@salience/testing';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fromTfjs } from '../src/index.js';
import { convAttrs, GraphBuilder } from './graph-builder.js';

function normalInput(shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
const liveTensors = () => tf.memory().numTensors;

/** A small CNN with smooth activations (finite differences do not like ReLU's kink), including a depthwise convolution. */
function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], activation: 'tanh', name: 'conv', kernelInitializer: seeded(11), biasInitializer: 'ones' }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'tanh', name: 'depthwise', depthwiseInitializer: seeded(12) }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, name: 'pool' }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ units: 4, name: 'logits', kernelInitializer: seeded(13) }));
  return model;
}

/** ids -> Embedding -> average over tokens -> tanh Dense -> logits. */
function textModel(): tf.LayersModel {
  const ids = tf.input({ shape: [5], dtype: 'int32' });
  const embedded = tf.layers.embedding({ inputDim: 12, outputDim: 4, name: 'emb', embeddingsInitializer: tf.initializers.randomNormal({ seed: 21 }) }).apply(ids);
  const pooled = tf.layers.globalAveragePooling1d({ name: 'mean' }).apply(embedded);
  const hidden = tf.layers.dense({ units: 6, activation: 'tanh', name: 'hidden', kernelInitializer: seeded(22) }).apply(pooled);
  const logits = tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: seeded(23) }).apply(hidden) as tf.SymbolicTensor;
  return tf.model({ inputs: ids, outputs: logits });
}

/** A frozen graph: depthwise conv -> tanh -> mean -> matmul. */
function graph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 5, 5, 2]);
  const filter = g.constant(
    'filter',
    [3, 3, 2, 2],
    Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.3) / 2),
  );
  const conv = g.op('conv', 'Conv2D', [x, filter], convAttrs([1, 1, 1, 1], 'SAME'));
  const dwFilter = g.constant(
    'dw_filter',
    [3, 3, 2, 1],
    Array.from({ length: 18 }, (_, i) => Math.cos(i * 0.7) / 2),
  );
  const dw = g.op('dw', 'DepthwiseConv2dNative', [conv, dwFilter], convAttrs([1, 1, 1, 1], 'SAME'));
  const act = g.op('act', 'Tanh', [dw]);
  const mean = g.op('mean', 'Mean', [act, g.constant('axes', [2], [1, 2], 'int32')], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  g.matMul('logits', mean, g.constant('head', [2, 3], [1.5, -1.2, 0.8, -0.6, 1.1, 0.9]));
  return g.build();
}

/** Registers the conformance suite for a LayersModel, a GraphModel, a function and a text model on `backend`. */
export function describeTfjsConformance(backend: 'cpu' | 'wasm'): void {
  const onBackend = async () => {
    await tf.setBackend(backend);
    await tf.ready();
  };

  describeModelConformance(`tfjs LayersModel CNN on ${backend}`, async () => {
    await onBackend();
    return { model: fromTfjs(tf, cnn()), input: normalInput([3, 6, 6, 2], 1), layer: 'depthwise', layerIsCut: true, liveTensors };
  });

  describeModelConformance(`tfjs GraphModel on ${backend}`, async () => {
    await onBackend();
    return { model: fromTfjs(tf, await graph()), input: normalInput([3, 5, 5, 2], 2), layer: 'dw', layerIsCut: true, liveTensors };
  });

  describeModelConformance(`tfjs function model on ${backend}`, async () => {
    await onBackend();
    const w = tf.tensor2d(
      Array.from({ length: 18 }, (_, i) => Math.sin(i * 0.9)),
      [6, 3],
    );
    const model = fromTfjs(tf, (x) => tf.matMul(tf.tanh(x) as tf.Tensor2D, w), { inputShape: [null, 6] });
    return { model, input: normalInput([4, 6], 3), liveTensors, teardown: () => w.dispose() };
  });

  describeModelConformance(`tfjs text LayersModel on ${backend}`, async () => {
    await onBackend();
    const ids = Float32Array.from([3, 7, 1, 11, 0, 0, 5, 5, 9, 2, 10, 4, 1, 2, 3]);
    return { model: fromTfjs(tf, textModel()), input: { data: ids, shape: [3, 5] }, layer: 'hidden', layerIsCut: true, liveTensors };
  });
}
