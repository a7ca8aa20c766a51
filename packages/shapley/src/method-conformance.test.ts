import { createRng, type TensorData } from '@salience/core';
import { createForwardOnlyModel, createImageModel, createTokenModel, describeMethodConformance } from '@salience/testing';
import { gridMask } from './feature-mask.js';
import { kernelShap } from './kernel-shap.js';
import { lime } from './lime.js';
import { shapleySampling } from './shapley-sampling.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('kernel-shap on the NHWC image fake, a grid mask', () => ({
  method: kernelShap,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  options: { featureMask: gridMask(6, 5, 2), samples: 16 },
  seeded: true,
  badOptions: [{ samples: 0 }, { samples: 2.5 }, { baseline: 'nope' }],
}));
describeMethodConformance('lime on a forward-only model', () => ({
  method: lime,
  model: createForwardOnlyModel(),
  input: random([3, 6]),
  options: { samples: 20, alpha: 0.001 },
  seeded: true,
  badOptions: [{ kernelWidth: 0 }, { distance: 'manhattan' }, { alpha: -1 }],
}));
describeMethodConformance('shapley-sampling on the NCHW image fake, a grid mask', () => ({
  method: shapleySampling,
  model: createImageModel({ layout: 'NCHW' }),
  input: random([3, 3, 6, 5]),
  options: { featureMask: gridMask(6, 5, 3), permutations: 3 },
  seeded: true,
  badOptions: [{ permutations: 0 }, { permutations: 1.5 }],
}));
describeMethodConformance('shapley-sampling on the token fake, one feature per token', () => {
  const model = createTokenModel();
  const ids = { data: Float32Array.from({ length: 3 * 5 }, (_, i) => 1 + ((i * 7) % 5)), shape: [3, 5] };
  return { method: shapleySampling, model, input: ids, options: { permutations: 2 }, seeded: true };
});
