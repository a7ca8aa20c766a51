import type { TensorData } from '@salience/core';
import { AbortError, CapabilityError, createRng, OptionError, ShapeError, TargetError, UnknownLayerError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel } from './index.js';
import { nchwToNhwc } from './layout.js';

function randomInput(shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

describe('tabular fake', () => {
  it('computes W x + a sum(x^2) + V sin(U x) + b', async () => {
    const model = createTabularModel({ features: 2, hidden: 1, classes: 2, seed: 9 });
    const { W, a, b, U, V } = model.params;
    const x = [0.5, -1.5];
    const { logits, layerActivations } = await model.run({ input: { data: Float32Array.from(x), shape: [1, 2] }, outputs: ['logits', 'layerActivations'], layer: 'hidden' });
    const hidden = Math.sin(U[0]! * x[0]! + U[1]! * x[1]!);
    expect(layerActivations.data[0]).toBeCloseTo(hidden, 6);
    for (let c = 0; c < 2; c++) {
      const z = W[c * 2]! * x[0]! + W[c * 2 + 1]! * x[1]! + a[c]! * (x[0]! ** 2 + x[1]! ** 2) + V[c]! * hidden + b[c]!;
      expect(logits.data[c]).toBeCloseTo(z, 5);
    }
  });

  it('counts accepted calls and rows, and logs what was asked', async () => {
    const model = createTabularModel();
    await model.run({ input: randomInput([5, 6], 1), outputs: ['logits'] });
    await model.run({ input: randomInput([2, 6], 2), outputs: ['inputGradients'], target: 1, objective: 'probability' });
    await expect(model.run({ input: randomInput([2, 5], 2), outputs: ['logits'] })).rejects.toThrow(ShapeError);
    expect(model.calls).toBe(2);
    expect(model.rowsSeen).toBe(7);
    expect(model.largestBatch).toBe(5);
    expect(model.requests[1]).toEqual({ rows: 2, outputs: ['inputGradients'], target: 1, objective: 'probability', layer: undefined, fromEmbeddings: false });
    model.resetCounts();
    expect([model.calls, model.rowsSeen, model.largestBatch, model.requests.length]).toEqual([0, 0, 0, 0]);
  });

  it('validates requests like a real adapter', async () => {
    const model = createTabularModel();
    const input = randomInput([3, 6], 3);
    await expect(model.run({ input, outputs: ['layerActivations'], layer: 'conv' })).rejects.toThrow(UnknownLayerError);
    await expect(model.run({ input, outputs: ['layerActivations'], layer: 'conv' })).rejects.toMatchObject({ available: ['hidden'] });
    await expect(model.run({ input, outputs: ['layerActivations'] })).rejects.toThrow(/need request.layer, a name from model.layers\(\)/);
    await expect(model.run({ input, outputs: ['inputGradients'] })).rejects.toThrow(TargetError);
    await expect(model.run({ input, outputs: ['inputGradients'], target: 3 })).rejects.toThrow(/class 3, but the model has 3 classes/);
    await expect(model.run({ input, outputs: ['embeddings'] })).rejects.toThrow(CapabilityError);
    await expect(model.run({ input, outputs: [] })).rejects.toThrow(OptionError);
    await expect(model.run({ input, embeddings: randomInput([3, 1, 6], 1), outputs: ['logits'] })).rejects.toThrow(/request.embeddings is for models that declare 'embeddings'/);
    expect(model.calls).toBe(0);
    expect(model.liveAllocations).toBe(0);
  });

  it('honours a signal aborted before or during the call', async () => {
    const controller = new AbortController();
    const model = createTabularModel({ onRun: () => controller.abort() });
    await expect(model.run({ input: randomInput([3, 6], 3), outputs: ['logits'], signal: controller.signal })).rejects.toThrow(AbortError);
    await expect(model.run({ input: randomInput([3, 6], 3), outputs: ['logits'], signal: controller.signal })).rejects.toThrow(AbortError);
    expect(model.calls).toBe(1);
  });

  it('declares less on request, and rejects what it cannot compute', () => {
    expect([...createTabularModel({ capabilities: ['logits', 'inputGradients'] }).capabilities]).toEqual(['logits', 'inputGradients']);
    expect(() => createTabularModel({ capabilities: ['embeddings'] })).toThrow(/cannot compute embeddings/);
  });

  it('rejects every request once disposed', async () => {
    const model = createTabularModel();
    model.dispose();
    await expect(model.run({ input: randomInput([3, 6], 3), outputs: ['logits'] })).rejects.toThrow(/This model was disposed; create a new one/);
  });
});

describe('forward-only fake', () => {
  it('gives logits only and lists no layers', async () => {
    const model = createForwardOnlyModel();
    expect([...model.capabilities]).toEqual(['logits']);
    expect(model.layers()).toEqual([]);
    await expect(model.run({ input: randomInput([3, 6], 3), outputs: ['inputGradients'], target: 0 })).rejects.toThrow(
      /This request needs inputGradients, which this model does not provide \(it provides: logits\)/,
    );
  });
});

describe('image fake', () => {
  it('gives the same logits in NCHW and NHWC, with the feature map in each layout', async () => {
    const nchw = createImageModel({ layout: 'NCHW' });
    const nhwc = createImageModel({ layout: 'NHWC' });
    const input = randomInput([2, 3, 6, 5], 4);
    const a = await nchw.run({ input, outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'], layer: 'features', target: [0, 2] });
    const b = await nhwc.run({ input: nchwToNhwc(input), outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'], layer: 'features', target: [0, 2] });
    expect(Array.from(b.logits.data)).toEqual(Array.from(a.logits.data));
    expect(b.layerActivations).toEqual(nchwToNhwc(a.layerActivations));
    expect(b.layerGradients).toEqual(nchwToNhwc(a.layerGradients));
    expect(b.inputGradients).toEqual(nchwToNhwc(a.inputGradients));
    expect(nchw.layers()).toEqual([
      { name: 'features', kind: 'Conv2D', outputShape: [null, 4, 6, 5], spatial: true },
      { name: 'pooled', kind: 'GlobalAveragePooling2D', outputShape: [null, 4], spatial: false },
    ]);
    expect(nhwc.layers()[0]!.outputShape).toEqual([null, 6, 5, 4]);
  });

  it('has a spatially varying Grad-CAM signal: the feature gradient is not constant over pixels', async () => {
    const model = createImageModel();
    const { layerGradients } = await model.run({ input: randomInput([1, 3, 6, 5], 5), outputs: ['layerGradients'], layer: 'features', target: 0 });
    const channel0 = Array.from(layerGradients.data.subarray(0, 30));
    expect(new Set(channel0.map((v) => v.toFixed(6))).size).toBeGreaterThan(20);
  });
});

describe('token fake', () => {
  const ids = { data: Float32Array.from([3, 7, 1, 0, 5, 5, 9, 0]), shape: [2, 4] };

  it('looks up embeddings with a zero padding row and runs from given embeddings', async () => {
    const model = createTokenModel();
    const { embeddings, logits } = await model.run({ input: ids, outputs: ['embeddings', 'logits'] });
    expect(embeddings.shape).toEqual([2, 4, 4]);
    expect(Array.from(embeddings.data.subarray(12, 16))).toEqual([0, 0, 0, 0]);
    expect(Array.from(embeddings.data.subarray(0, 4))).toEqual(Array.from(model.params.table.subarray(12, 16)));
    const again = await model.run({ input: ids, embeddings, outputs: ['logits'] });
    expect(again.logits).toEqual(logits);
    expect(model.requests[1]!.fromEmbeddings).toBe(true);
  });

  it("gives layer 'emb' as the embeddings and their gradients", async () => {
    const model = createTokenModel();
    const out = await model.run({ input: ids, outputs: ['embeddings', 'embeddingGradients', 'layerActivations', 'layerGradients'], layer: 'emb', target: 1 });
    expect(out.layerActivations).toEqual(out.embeddings);
    expect(out.layerGradients).toEqual(out.embeddingGradients);
  });

  it('takes any sequence length and rejects ids outside the vocabulary', async () => {
    const model = createTokenModel();
    const long = await model.run({ input: { data: new Float32Array(20).fill(2), shape: [2, 10] }, outputs: ['layerActivations'], layer: 'hidden' });
    expect(long.layerActivations.shape).toEqual([2, 10, 3]);
    await expect(model.run({ input: { data: Float32Array.from([1, 16]), shape: [1, 2] }, outputs: ['logits'] })).rejects.toThrow(/Token id 16 .* \(0..15\)/);
    await expect(model.run({ input: { data: Float32Array.from([1, 2.5]), shape: [1, 2] }, outputs: ['logits'] })).rejects.toThrow(ShapeError);
    await expect(model.run({ input: ids, embeddings: randomInput([2, 4, 5], 1), outputs: ['logits'] })).rejects.toThrow(/expected \[2, 4, 4\]/);
    await expect(model.run({ input: ids, outputs: ['inputGradients'], target: 0 })).rejects.toThrow(CapabilityError);
  });
});
