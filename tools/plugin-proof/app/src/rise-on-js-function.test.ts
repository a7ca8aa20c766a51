import { rise } from '@acme/salience-rise';
import { createRng } from '@salience/core';
import { describeMethodConformance, describeModelConformance } from '@salience/testing';
import { createImageFunctionModel } from './js-function-model.js';

const input = () => ({ data: createRng(8).fillNormal(new Float32Array(3 * 30)), shape: [3, 6, 5, 1] });

// Two plugins by a third party, installed from their packages, on the published kit.
describeModelConformance('a JavaScript function model', () => {
  const model = createImageFunctionModel();
  return { model, input: input(), liveTensors: () => model.liveBuffers };
});

describeMethodConformance('rise on a JavaScript function model', () => {
  const model = createImageFunctionModel();
  return { method: rise, model, input: input(), options: { masks: 32, gridSize: 3 }, seeded: true, liveTensors: () => model.liveBuffers };
});
