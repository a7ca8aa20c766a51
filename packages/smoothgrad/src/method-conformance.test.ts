import { createRng, type TensorData } from '@salience/core';
import { gradient } from '@salience/gradient';
import { createTabularModel, describeMethodConformance } from '@salience/testing';
import { smoothGrad, varGrad } from './smoothgrad.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('smoothgrad around gradient', () => ({
  method: smoothGrad(gradient),
  model: createTabularModel(),
  input: random([3, 6]),
  options: { samples: 5 },
  seeded: true,
  badOptions: [{ samples: 0 }, { stdev: -1 }, { statistic: 'median' }],
}));
describeMethodConformance('vargrad around gradient', () => ({
  method: varGrad(gradient),
  model: createTabularModel(),
  input: random([3, 6]),
  options: { samples: 4, stdev: 0.3 },
  seeded: true,
  badOptions: [{ samples: 1.5 }],
}));
