import { UnknownLayerError } from '@salience/core';
import { loadCaptumFixture } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { moduleScopes } from './layers.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

describe('PyTorch module names', () => {
  it('are read off the node names that the TorchScript exporter writes', () => {
    expect(moduleScopes('/c3/Conv')).toEqual(['c3']);
    expect(moduleScopes('/layer1/layer1.0/conv1/Conv')).toEqual(['layer1', 'layer1.0', 'layer1.0.conv1']);
    expect(moduleScopes('/blocks/blocks.7/down/down.0/Conv')).toEqual(['blocks', 'blocks.7', 'blocks.7.down', 'blocks.7.down.0']);
    expect(moduleScopes('/Relu')).toEqual([]);
    expect(moduleScopes('Conv_0')).toEqual([]);
    expect(moduleScopes(undefined)).toEqual([]);
  });
});

describe('layers()', () => {
  it('lists every float tensor computed from the input once, under its largest module or its tensor name', async () => {
    const fixture = await loadCaptumFixture('smallcnn');
    const model = await fromOnnx(ort as unknown as OrtModule, fixture.modelBytes, { sessionOptions: TEST_SESSION_OPTIONS });
    const layers = model.layers();
    expect(layers.map((l) => l.name)).toEqual([
      'c1',
      '/Relu_output_0',
      '/MaxPool_output_0',
      'c2',
      '/Relu_1_output_0',
      '/MaxPool_1_output_0',
      'c3',
      '/Relu_2_output_0',
      '/ReduceMean_output_0',
      'fc',
    ]);
    expect(layers.find((l) => l.name === 'c3')).toEqual({ name: 'c3', kind: 'Conv', outputShape: [null, 16, 7, 7], spatial: true, channelAxis: 1, aliases: ['/c3/Conv_output_0'] });
    expect(layers.find((l) => l.name === '/ReduceMean_output_0')).toEqual({ name: '/ReduceMean_output_0', kind: 'ReduceMean', outputShape: [null, 16], spatial: false });

    // A module name and its tensor name are the same layer.
    const request = { input: fixture.input, outputs: ['layerActivations', 'layerGradients'] as const, target: fixture.target };
    const byModule = await model.run({ ...request, layer: 'c3' });
    const byTensor = await model.run({ ...request, layer: '/c3/Conv_output_0' });
    expect(byModule.layerGradients.data).toEqual(byTensor.layerGradients.data);
    expect(byModule.layerActivations.data).toEqual(byTensor.layerActivations.data);

    // The logits output is a layer too ('fc', or 'logits'): its gradient is the one-hot target.
    const atLogits = await model.run({ ...request, layer: 'logits' });
    expect(Array.from(atLogits.layerGradients.data.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, c) => (c === fixture.target[0] ? 1 : 0)));

    const error = await model.run({ ...request, layer: 'c4' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownLayerError);
    expect((error as UnknownLayerError).available).toContain('c3');
    expect((error as UnknownLayerError).message).toMatch(/Unknown layer 'c4'.*c1.*c3/);
    model.dispose();
  });
});

describe('nested PyTorch modules', () => {
  it('name a tensor by the largest module whose output it is, and every inner one reaches it too', async () => {
    const { ModelGraph } = await import('@salience/onnx-autodiff');
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 2, 4, 4] }] });
    const w = g.constant(
      Array.from({ length: 2 * 2 * 9 }, (_, i) => Math.cos(i)),
      'float32',
      [2, 2, 3, 3],
    );
    const conv = g.add('Conv', ['x', w], { pads: [1, 1, 1, 1] }, { name: '/layer4/layer4.1/conv2/Conv', output: '/layer4/layer4.1/conv2/Conv_output_0' });
    const relu = g.add('Relu', [conv], undefined, { name: '/layer4/layer4.1/relu_1/Relu', output: '/layer4/layer4.1/relu_1/Relu_output_0' });
    const pooled = g.add('GlobalAveragePool', [relu], undefined, { name: '/avgpool/GlobalAveragePool', output: '/avgpool/GlobalAveragePool_output_0' });
    g.add('Flatten', [pooled], { axis: 1 }, { name: '/Flatten', output: 'logits' });
    g.addOutput('logits');
    const model = await fromOnnx(ort as unknown as OrtModule, g.toBytes(), { sessionOptions: TEST_SESSION_OPTIONS });
    expect(model.layers().map((l) => `${l.name} (${l.kind})`)).toEqual(['layer4.1.conv2 (Conv)', 'layer4 (Relu)', 'avgpool (GlobalAveragePool)', 'logits (Flatten)']);
    const input = { data: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)), shape: [1, 2, 4, 4] };
    const byName = async (layer: string) => (await model.run({ input, outputs: ['layerActivations'], layer })).layerActivations.data;
    const expected = await byName('layer4');
    for (const alias of ['layer4.1', 'layer4.1.relu_1', '/layer4/layer4.1/relu_1/Relu_output_0']) expect(await byName(alias)).toEqual(expected);
    model.dispose();
  });
});
