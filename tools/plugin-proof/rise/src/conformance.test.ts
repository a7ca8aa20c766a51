import { createRng } from '@salience/core';
import { createForwardOnlyModel, createImageModel, describeMethodConformance } from '@salience/testing';
import { rise } from './index.js';

function randomInput(shape: number[], seed: number) {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

const badOptions = [
  { masks: 0 },
  { masks: 2.5 },
  { gridSize: 0 },
  { keepProbability: 0 },
  { keepProbability: 1.5 },
  { fill: Number.NaN },
  { objective: { kind: 'cross-entropy' } },
];

// The salience method conformance suite, from @salience/testing, on its analytic fakes.
describeMethodConformance('rise on an NCHW image', () => ({
  method: rise,
  model: createImageModel({ layout: 'NCHW' }),
  input: randomInput([3, 3, 6, 5], 1),
  options: { masks: 40, gridSize: 3 },
  seeded: true,
  badOptions,
}));

describeMethodConformance('rise on an NHWC image', () => ({
  method: rise,
  model: createImageModel({ layout: 'NHWC' }),
  input: randomInput([2, 6, 5, 3], 2),
  options: { masks: 40, gridSize: 4, objective: 'logit' },
  seeded: true,
}));

describeMethodConformance('rise on a forward-only tabular model', () => ({
  method: rise,
  model: createForwardOnlyModel(),
  input: randomInput([3, 6], 3),
  options: { masks: 40, gridSize: 3, fill: 0.25 },
  seeded: true,
}));
