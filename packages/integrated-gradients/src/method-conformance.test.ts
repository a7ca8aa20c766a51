import { createRng, type TensorData } from '@salience/core';
import { createImageModel, createTabularModel, describeMethodConformance } from '@salience/testing';
import { integratedGradients } from './integrated-gradients.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('integrated gradients on the tabular fake', () => ({
  method: integratedGradients,
  model: createTabularModel(),
  input: random([3, 6]),
  options: { steps: 8 },
  badOptions: [{ steps: 0 }, { quadrature: 'simpson' }, { captumTrapezoid: true }],
}));
describeMethodConformance('integrated gradients with a uniform baseline on the NCHW image fake', () => ({
  method: integratedGradients,
  model: createImageModel({ layout: 'NCHW' }),
  input: random([3, 3, 6, 5]),
  options: { steps: 4, quadrature: 'riemann-trapezoid', baselines: 'uniform' } as const,
  seeded: true,
  badOptions: [{ baselines: 'nope' }],
}));
