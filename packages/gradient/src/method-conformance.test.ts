import { createRng, type TensorData } from '@salience/core';
import { createImageModel, createTabularModel, describeMethodConformance } from '@salience/testing';
import { gradient, inputXGradient } from './gradient.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('gradient on the NHWC image fake', () => ({
  method: gradient,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  badOptions: [{ variant: 'nope' }, { channelReduction: 'median' }],
}));
describeMethodConformance('gradient x input on the tabular fake', () => ({
  method: inputXGradient,
  model: createTabularModel(),
  input: random([3, 6]),
  badOptions: [{ variant: 'nope' }],
}));
