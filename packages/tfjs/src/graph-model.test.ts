import type { ModelRequest } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../test/graph-builder.js';
import { B1, B2, expectClose, expectNoLeak, mlpByHand, mlpGradientsByHand, W1, W2, X } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';

/** The reference MLP as a frozen graph, with a dead-end node 'side' that the logits do not use. */
function mlpGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 4]);
  const w1 = g.constant('w1', [4, 5], W1);
  const b1 = g.constant('b1', [5], B1);
  const w2 = g.constant('w2', [5, 3], W2);
  const b2 = g.constant('b2', [3], B2);
  const hidden = g.op('hidden', 'Relu', [g.op('pre', 'BiasAdd', [g.matMul('mm1', x, w1), b1])]);
  g.op('logits', 'BiasAdd', [g.matMul('mm2', hidden, w2), b2]);
  g.op('side', 'Tanh', [x]);
  return g.build();
}

/** Token ids [B, 3] -> embeddings [B, 3, 2] (a GatherV2 of a table) -> flatten -> 2 logits. */
const TABLE = [0, 0, 0.5, -0.2, 0.1, 0.9, -0.7, 0.3, 0.25, 0.6]; // [5, 2]
const HEAD = [0.2, -0.1, 0.4, 0.3, -0.5, 0.7, 0.1, 0.2, 0.6, -0.4, -0.3, 0.8]; // [6, 2]
function tokenGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const ids = g.placeholder('ids', [-1, 3], 'int32');
  const table = g.constant('table', [5, 2], TABLE);
  const axis = g.constant('axis', [], [0], 'int32');
  const emb = g.op('emb', 'GatherV2', [table, ids, axis], { Tparams: { type: 'DT_FLOAT' }, Tindices: { type: 'DT_INT32' }, Taxis: { type: 'DT_INT32' }, batch_dims: { i: '0' } });
  const flat = g.op('flat', 'Reshape', [emb, g.constant('flat_shape', [2], [-1, 6], 'int32')], { Tshape: { type: 'DT_INT32' } });
  g.matMul('logits', flat, g.constant('head', [6, 2], HEAD));
  return g.build();
}

/** A graph whose logits depend on a Where, so it only runs with executeAsync. */
function dynamicGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 4]);
  const positive = g.op('positive', 'Greater', [x, g.constant('zero', [], [0])]);
  const where = g.op('where', 'Where', [positive], { T: { type: 'DT_BOOL' } });
  const count = g.op('count', 'Cast', [where], { SrcT: { type: 'DT_INT64' }, DstT: { type: 'DT_FLOAT' } });
  const total = g.op('total', 'Sum', [count, g.constant('all_axes', [2], [0, 1], 'int32')], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  const nothing = g.op('nothing', 'Mul', [total, g.constant('zero_weight', [], [0])]);
  const w1 = g.constant('w1', [4, 5], W1);
  const hidden = g.op('hidden', 'Relu', [g.op('pre', 'BiasAdd', [g.matMul('mm1', x, w1), g.constant('b1', [5], B1)])]);
  const logits = g.op('raw_logits', 'BiasAdd', [g.matMul('mm2', hidden, g.constant('w2', [5, 3], W2)), g.constant('b2', [3], B2)]);
  g.op('logits', 'AddV2', [logits, nothing]);
  return g.build();
}

describe.each(['cpu', 'wasm'])('GraphModel on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('gives logits, input gradients and the gradients of an intermediate node in one pass', async () => {
    const adapter = fromTfjs(tf, await mlpGraph(), { output: 'logits' });
    expect(adapter.source).toBe('graph-model');
    expect(adapter.layout).toBe('NC');
    expect(adapter.inputShape).toEqual([null, 4]);
    expect([...adapter.capabilities].sort()).toEqual(['inputGradients', 'layerActivations', 'layerGradients', 'logits']);
    const targets = Int32Array.from([0, 2, 1]);
    for (const objective of ['logit', 'log-probability'] as const) {
      const result = await adapter.run({ input: X, outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'], target: targets, objective, layer: 'hidden' });
      const grads = mlpGradientsByHand(X, targets, objective);
      expectClose(result.logits.data, mlpByHand(X).logits.data);
      expectClose(result.inputGradients.data, grads.dInput);
      expectClose(result.layerActivations.data, mlpByHand(X).hidden);
      expectClose(result.layerGradients.data, grads.dHidden);
    }
    const pre = await adapter.run({ input: X, outputs: ['layerActivations'], layer: 'pre' });
    expectClose(pre.layerActivations.data, mlpByHand(X).pre);
  });

  it('gives zero gradients for a node that the logits do not use', async () => {
    const adapter = fromTfjs(tf, await mlpGraph(), { output: 'logits' });
    const result = await adapter.run({ input: X, outputs: ['layerActivations', 'layerGradients', 'inputGradients'], target: 1, layer: 'side' });
    expectClose(result.layerActivations.data, Array.from(X.data, Math.tanh));
    expectClose(result.layerGradients.data, new Float32Array(12));
    expectClose(result.inputGradients.data, mlpGradientsByHand(X, Int32Array.from([1, 1, 1]), 'logit').dInput);
  });

  it('lists the computing nodes with their op and output shape', async () => {
    const adapter = fromTfjs(tf, await mlpGraph(), { output: 'logits' });
    const before = tf.memory().numTensors;
    expect(adapter.layers()).toEqual([
      { name: 'mm1', kind: 'MatMul', outputShape: [null, 5], spatial: false },
      { name: 'pre', kind: 'BiasAdd', outputShape: [null, 5], spatial: false },
      { name: 'hidden', kind: 'Relu', outputShape: [null, 5], spatial: false },
      { name: 'mm2', kind: 'MatMul', outputShape: [null, 3], spatial: false },
      { name: 'logits', kind: 'BiasAdd', outputShape: [null, 3], spatial: false },
      { name: 'side', kind: 'Tanh', outputShape: [null, 4], spatial: false },
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives token embeddings and their gradients, and runs from given embeddings', async () => {
    const adapter = fromTfjs(tf, await tokenGraph(), { embeddingLayer: 'emb' });
    expect(adapter.layout).toBe('tokens');
    expect(adapter.inputDtype).toBe('int32');
    expect([...adapter.capabilities].sort()).toEqual(['embeddingGradients', 'embeddings', 'layerActivations', 'layerGradients', 'logits']);
    const ids = tensor([1, 2, 0, 4, 3, 3], [2, 3]);
    const result = await adapter.run({ input: ids, outputs: ['embeddings', 'embeddingGradients', 'logits'], target: [1, 0] });
    const expectedEmbeddings = Array.from(ids.data).flatMap((id) => [TABLE[id * 2]!, TABLE[id * 2 + 1]!]);
    expectClose(result.embeddings.data, expectedEmbeddings);
    expect(result.embeddingGradients.shape).toEqual([2, 3, 2]);
    const column = (c: number) => Array.from({ length: 6 }, (_, i) => HEAD[i * 2 + c]!);
    expectClose(result.embeddingGradients.data, [...column(1), ...column(0)]);
    const shifted = tensor(
      result.embeddings.data.map((v) => v + 1),
      [2, 3, 2],
    );
    const fromGiven = await adapter.run({ input: ids, outputs: ['logits', 'embeddings'], embeddings: shifted });
    expectClose(fromGiven.embeddings.data, shifted.data);
    const sums = [0, 1].map((c) => column(c).reduce((a, b) => a! + b!, 0));
    expectClose(
      fromGiven.logits.data,
      Array.from(result.logits.data, (v, i) => v + sums[i % 2]!),
    );
  });

  it('runs graphs with control flow through executeAsync, for logits only', async () => {
    const adapter = fromTfjs(tf, await dynamicGraph());
    expect([...adapter.capabilities]).toEqual(['logits']);
    const { logits } = await adapter.run({ input: X, outputs: ['logits'] });
    expectClose(logits.data, mlpByHand(X).logits.data);
    const error = await adapter.run({ input: X, outputs: ['inputGradients'], target: 0 }).catch((e) => e);
    expect(error).toMatchObject({ name: 'GradientsUnavailableError' });
    expect(error.message).toMatch(/Where.*executeAsync/);
  });

  it('needs the logits node named when the graph has several outputs', async () => {
    const graph = await mlpGraph();
    expect(() => fromTfjs(tf, graph)).toThrow(/2 outputs \(logits, side\); name the one that gives the logits with the output option/);
    expect(() => fromTfjs(tf, graph, { output: 'nope' })).toThrow(expect.objectContaining({ name: 'UnknownLayerError' }));
  });

  it('frees every tensor and rejects unknown nodes, listing the nodes', async () => {
    const adapter = fromTfjs(tf, await mlpGraph(), { output: 'logits' });
    const requests: ModelRequest[] = [
      { input: X, outputs: ['logits'] },
      { input: X, outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'], target: 'predicted', layer: 'hidden' },
      { input: X, outputs: ['inputGradients'], target: 3 },
      { input: X, outputs: ['layerGradients'], target: 0, layer: 'nope' },
    ];
    for (const request of requests) await expectNoLeak(() => adapter.run(request));
    const error = await adapter.run({ input: X, outputs: ['layerActivations'], layer: 'nope' }).catch((e) => e);
    expect(error).toMatchObject({ name: 'UnknownLayerError', available: ['mm1', 'pre', 'hidden', 'mm2', 'logits', 'side'] });
  });
});
