import { createRng, type TensorData } from '@salience/core';
import { describeMethodConformance } from '@salience/testing';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { ablationCam } from './ablation-cam.js';

// AblationCAM needs a model that runs from a layer's activations, which the analytic fakes do not:
// the Method contract is checked on a small tfjs CNN instead (leaks counted by tf.memory()).
const random = (shape: number[]): TensorData => ({ data: createRng(1).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape });
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

function cnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 5, 3],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
        name: 'conv',
        kernelInitializer: init(1),
        biasInitializer: 'ones',
      }),
      tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'features', kernelInitializer: init(2) }),
      tf.layers.activation({ activation: 'tanh', name: 'act' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 4, name: 'logits', kernelInitializer: init(3) }),
    ],
  });
}

describeMethodConformance('ablationcam on a tfjs CNN (cpu)', async () => {
  await tf.setBackend('cpu');
  return {
    method: ablationCam,
    model: fromTfjs(tf, cnn()),
    input: random([3, 6, 5, 3]),
    options: { layer: 'features' },
    badOptions: [{ resolution: 'nope' }, { upsample: 'bicubic' }],
    liveTensors: () => tf.memory().numTensors,
  };
});
