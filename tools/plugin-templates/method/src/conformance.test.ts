import { createRng } from '@salience/core';
import { createImageModel, createTabularModel, describeMethodConformance } from '@salience/testing';
import { __camel__ } from './index.js';

function randomInput(shape: number[], seed: number) {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

// The method conformance suite of @salience/testing on its analytic fake models: shapes, targets,
// multi-target, batching, determinism, errors, abort, progress, no mutation.
describeMethodConformance('__ID__ on a tabular model', () => ({
  method: __camel__,
  model: createTabularModel(),
  input: randomInput([3, 6], 1),
  badOptions: [{ scale: Number.NaN }, { scale: 'big' }, { scael: 2 }],
}));

describeMethodConformance('__ID__ on an NHWC image model', () => ({
  method: __camel__,
  model: createImageModel({ layout: 'NHWC' }),
  input: randomInput([2, 6, 5, 3], 2),
}));
