import { createRng, type TensorData } from '@salience/core';
import { createImageModel, describeMethodConformance } from '@salience/testing';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('grad-cam on the NCHW image fake', () => ({
  method: gradCam,
  model: createImageModel({ layout: 'NCHW' }),
  input: random([3, 3, 6, 5]),
  options: { layer: 'features' },
  badOptions: [{ resolution: 'nope' }, { upsample: 'bicubic' }],
}));
describeMethodConformance('grad-cam++ on the NHWC image fake, layer resolution', () => ({
  method: gradCamPlusPlus,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  options: { resolution: 'layer' } as const,
  badOptions: [{ normalize: 'z-score' }],
}));
