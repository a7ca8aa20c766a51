import { CapabilityError, type Model, type ModelRequest } from '@salience/core';
import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { createImageModel, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABLATION_OFFSET, ablationCam, ablationValue } from './ablation-cam.js';

describe('ablationValue', () => {
  it("is 0 where the activations' minimum is 0, else that minimum minus 1e7 (pytorch-grad-cam's AblationLayer)", () => {
    expect(ablationValue(Float32Array.from([0, 1, 2]))).toBe(0);
    expect(ablationValue(Float32Array.from([-1.5, 2]))).toBe(-1.5 - ABLATION_OFFSET);
    expect(ablationValue(Float32Array.from([0.5, 1]))).toBe(0.5 - ABLATION_OFFSET);
  });
});

describe('ablationCam', () => {
  let model: OnnxModel;
  let requests: ModelRequest[];
  let counted: Model;
  let input: { data: Float32Array; shape: number[] };

  beforeAll(async () => {
    const fixture = await loadCaptumFixture('smallcnn');
    model = await fromOnnx(ortNode as unknown as OrtModule, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
    input = { data: fixture.input.data.slice(0, 2 * 28 * 28), shape: [2, 1, 28, 28] };
    requests = [];
    counted = Object.assign(Object.create(model) as Model, {
      run: (request: ModelRequest) => {
        requests.push(request);
        return model.run(request);
      },
    });
  });
  afterAll(() => model.dispose());

  it('ablates every channel of every example in batches of at most batchSize rows, shared by the targets of an example', async () => {
    requests.length = 0;
    const result = await ablationCam.attribute(counted, input, { layer: 'c3', target: { classes: [1, 4] }, batchSize: 5, resolution: 'layer', relu: false });
    // smallcnn's c3 has 16 channels: 2 examples x 16 channels = 32 ablated rows, whatever the number of targets.
    expect(result.meta).toMatchObject({ ablatedPasses: 32, channels: 16 });
    const ablated = requests.filter((r) => r.layerActivations !== undefined);
    expect(ablated.map((r) => r.input.shape[0])).toEqual([5, 5, 5, 5, 5, 5, 2]);
    expect(ablated.every((r) => r.outputs.length === 1 && r.outputs[0] === 'logits' && r.layer === 'c3')).toBe(true);
    expect(result.meta.modelCalls).toBe(requests.length);
    expect(result.values.shape).toEqual([4, 7, 7]);
    // Each (example, class) map equals the one asked alone.
    const alone = await ablationCam.attribute(model, { data: input.data.slice(28 * 28), shape: [1, 1, 28, 28] }, { layer: 'c3', target: 4, resolution: 'layer', relu: false });
    expect(Array.from(result.values.data.subarray(3 * 49, 4 * 49))).toEqual(Array.from(alone.values.data));
  });

  it('gives w_k = (y - y_k) / y: a copy of the row with channel k ablated scores y_k', async () => {
    const one = { data: input.data.slice(0, 28 * 28), shape: [1, 1, 28, 28] };
    const { layerActivations, logits } = await model.run({ input: one, outputs: ['layerActivations', 'logits'], layer: 'c3' });
    const fill = ablationValue(layerActivations.data);
    const y = logits.data[2]!;
    const map = new Float64Array(49);
    for (let k = 0; k < 16; k++) {
      const ablated = Float32Array.from(layerActivations.data);
      ablated.fill(fill, k * 49, (k + 1) * 49);
      const out = await model.run({ input: one, outputs: ['logits'], layer: 'c3', layerActivations: { data: ablated, shape: layerActivations.shape } });
      const w = (y - out.logits.data[2]!) / y;
      for (let p = 0; p < 49; p++) map[p]! += w * layerActivations.data[k * 49 + p]!;
    }
    const result = await ablationCam.attribute(model, one, { layer: 'c3', target: 2, resolution: 'layer', relu: false });
    const max = Math.max(...map.map(Math.abs));
    for (let p = 0; p < 49; p++) expect(Math.abs(result.values.data[p]! - map[p]!)).toBeLessThan(1e-5 * max);
  });

  it('refuses a model that cannot run from layer activations before any call, naming what works instead', async () => {
    const fake = createImageModel({ layout: 'NHWC', channels: 3, height: 7, width: 7, classes: 4 });
    const image = { data: new Float32Array(7 * 7 * 3).fill(0.5), shape: [1, 7, 7, 3] };
    const error = await ablationCam.attribute(fake, image, { target: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/ScoreCAM and EigenCAM/);
    expect(fake.calls).toBe(0);
  });
});
