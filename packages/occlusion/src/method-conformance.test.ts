import { createRng, type TensorData } from '@salience/core';
import { createForwardOnlyModel, createImageModel, describeMethodConformance } from '@salience/testing';
import { featureAblation } from './feature-ablation.js';
import { occlusion } from './occlusion.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('occlusion on the NHWC image fake', () => ({
  method: occlusion,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  options: { window: 2 },
  badOptions: [{ window: 0 }, { baseline: 'nope' }, { stride: [9, 9, 9] }],
}));
describeMethodConformance('feature ablation on a forward-only model', () => ({
  method: featureAblation,
  model: createForwardOnlyModel(),
  input: random([3, 6]),
  badOptions: [{ baseline: 'nope' }],
}));
