import { tensor } from '@salience/core';
import { createTokenModel, describeMethodConformance, loadCaptumFixture } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from './token-saliency.js';

// Three examples of six tokens; the last ends in padding.
const ids = tensor([3, 7, 1, 12, 9, 4, 5, 5, 14, 2, 8, 11, 6, 10, 13, 15, 0, 0], [3, 6]);
const badOptions = [{ score: 'saliency' }, { padTokenId: -1 }, { perDimension: 1 }, { tokens: [['too', 'few']] }];
const fake = () => createTokenModel({ vocab: 16, dim: 4, hidden: 3, classes: 3, seed: 5 });

describeMethodConformance('grad-l2 on the token fake', () => ({ method: tokenGradL2, model: fake(), input: ids, options: { padTokenId: 0 }, badOptions }));
describeMethodConformance('gradient x embedding (per dimension) on the token fake', () => ({
  method: tokenGradXEmbedding,
  model: fake(),
  input: ids,
  options: { padTokenId: 0, perDimension: true },
  badOptions,
}));
describeMethodConformance('integrated gradients on the token fake', () => ({
  method: tokenIntegratedGradients,
  model: fake(),
  input: ids,
  options: { padTokenId: 0, steps: 6 },
  badOptions: [...badOptions, { steps: 0 }, { quadrature: 'simpson' }, { captumTrapezoid: true }, { keepInBaseline: [-2] }],
}));
describeMethodConformance('integrated gradients on tinytext in tfjs (cpu)', async () => {
  await tf.setBackend('cpu');
  const fixture = await loadCaptumFixture('tinytext');
  const layers = buildFixtureModel(tf, 'tinytext', fixture.weights);
  return {
    method: tokenIntegratedGradients,
    model: fromTfjs(tf, layers),
    input: fixture.input,
    options: { padTokenId: 0, steps: 4 },
    badOptions: [{ steps: 0 }, { baselineTokenId: 0.5 }],
    liveTensors: () => tf.memory().numTensors,
    teardown: () => {
      layers.dispose();
    },
  };
});
