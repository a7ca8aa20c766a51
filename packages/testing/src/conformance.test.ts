import { describeModelConformance } from './conformance.js';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel } from './index.js';
import type { TensorData } from '@salience/core';
import { createRng } from '@salience/core';

function randomInput(shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

describeModelConformance('tabular fake', () => {
  const model = createTabularModel();
  return { model, input: randomInput([4, 6], 1), layer: 'hidden', liveTensors: () => model.liveAllocations };
});

describeModelConformance('image fake (NCHW)', () => {
  const model = createImageModel({ layout: 'NCHW' });
  return { model, input: randomInput([3, 3, 6, 5], 2), layer: 'features', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('image fake (NHWC)', () => {
  const model = createImageModel({ layout: 'NHWC' });
  return { model, input: randomInput([3, 6, 5, 3], 3), layer: 'pooled', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('token fake', () => {
  const model = createTokenModel();
  const ids = Float32Array.from([3, 7, 1, 12, 0, 0, 5, 5, 9, 2, 15, 0, 1, 2, 3, 4, 5, 6]);
  return { model, input: { data: ids, shape: [3, 6] }, layer: 'hidden', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('forward-only fake', () => {
  const model = createForwardOnlyModel();
  return { model, input: randomInput([3, 6], 4), liveTensors: () => model.liveAllocations };
});
