import { createRng, type TensorData } from '@salience/core';
import {
  checkMethodAbort,
  checkMethodBatchBound,
  checkMethodBatching,
  checkMethodCapabilities,
  checkMethodDescription,
  checkMethodDeterminism,
  checkMethodInputErrors,
  checkMethodNoMutation,
  checkMethodOptionErrors,
  checkMethodOutput,
  checkMethodProgress,
  checkMethodSeeds,
  checkMethodTargetErrors,
  createImageModel,
  describeMethodConformance,
  type MethodConformanceSubject,
} from '@salience/testing';
import { describe, expect, it } from 'vitest';
import type { CamOptions } from './cam-method.js';
import { eigenCam } from './eigen-cam.js';
import { hiResCam } from './hires-cam.js';
import { layerCam } from './layer-cam.js';
import { scoreCam } from './score-cam.js';
import { xGradCam } from './xgrad-cam.js';

const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });

describeMethodConformance('hirescam on the NCHW image fake', () => ({
  method: hiResCam,
  model: createImageModel({ layout: 'NCHW' }),
  input: random([3, 3, 6, 5]),
  options: { layer: 'features' },
  badOptions: [{ resolution: 'nope' }, { upsample: 'bicubic' }],
}));
describeMethodConformance('xgradcam on the NHWC image fake, layer resolution', () => ({
  method: xGradCam,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  options: { resolution: 'layer' } as const,
  badOptions: [{ normalize: 'z-score' }, { relu: 'yes' }],
}));
describeMethodConformance('layercam on the NHWC image fake', () => ({
  method: layerCam,
  model: createImageModel({ layout: 'NHWC' }),
  input: random([3, 6, 5, 3]),
  badOptions: [{ resolution: 'layer', upsample: 'nearest' }],
}));
describeMethodConformance('scorecam on the NCHW image fake', () => ({
  method: scoreCam,
  model: createImageModel({ layout: 'NCHW' }),
  input: random([3, 3, 6, 5]),
  badOptions: [{ resolution: 'nope' }],
}));
// EigenCAM is class-agnostic by definition (the first principal component of the activations), so
// the suite's check that another target changes the map does not apply; every other check runs,
// and the test below pins the class-agnostic behaviour instead.
describe('eigencam on the NHWC image fake conforms to the Method contract (class-agnostic)', () => {
  const subject = {
    method: eigenCam,
    model: createImageModel({ layout: 'NHWC' }),
    input: random([3, 6, 5, 3]),
    options: { relu: false },
    badOptions: [{ normalize: 'z-score' }],
  } satisfies MethodConformanceSubject<CamOptions>;
  const checks: [string, (s: MethodConformanceSubject) => Promise<void>][] = [
    ['description', checkMethodDescription],
    ['output', checkMethodOutput],
    ['batching', checkMethodBatching],
    ['batch bound', checkMethodBatchBound],
    ['determinism', checkMethodDeterminism],
    ['seeds', checkMethodSeeds],
    ['option errors', checkMethodOptionErrors],
    ['input errors', checkMethodInputErrors],
    ['target errors', checkMethodTargetErrors],
    ['capabilities', checkMethodCapabilities],
    ['abort', checkMethodAbort],
    ['progress', checkMethodProgress],
    ['no mutation', checkMethodNoMutation],
  ];
  it.each(checks)('%s', (_, check) => check(subject as unknown as MethodConformanceSubject));

  it('gives every target of an example the same map, and { topK } one per class', async () => {
    const { model, input } = subject;
    const predicted = await eigenCam.attribute(model, input, { relu: false });
    const other = await eigenCam.attribute(model, input, { relu: false, target: [1, 2, 1] });
    expect(Array.from(other.values.data)).toEqual(Array.from(predicted.values.data));
    const top = await eigenCam.attribute(model, input, { relu: false, target: { topK: 2 } });
    expect(top.values.shape[0]).toBe(6);
    const size = top.values.data.length / 6;
    expect(Array.from(top.values.data.subarray(0, size))).toEqual(Array.from(top.values.data.subarray(size, 2 * size)));
  });
});
