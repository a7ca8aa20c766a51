// `pnpm example`: explains a bundled model (the smallcnn Captum fixture, rebuilt in tfjs) and prints
// its |gradient| saliency map in the terminal. The `salience` command replaces this script later.
import { normalize, reduceChannels, sliceRows } from '@salience/core';
import { gradient } from '@salience/gradient';
import { loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');
const fixture = await loadCaptumFixture('smallcnn');
const model = fromTfjs(tf, buildFixtureModel(tf, 'smallcnn', fixture.weights));
const images = nchwToNhwc(fixture.input);

const attribution = await gradient.attribute(model, sliceRows(images, 0, 1), { target: 'predicted' });
const map = normalize(reduceChannels(attribution.values, 'NHWC', 'max'), { method: 'percentile', outlierPercent: 2 });
const [, height, width] = map.shape;
const shades = ' .:-=+*#%@';
console.log(`smallcnn, image 0: |d logit / d x| for predicted class ${attribution.targets[0]} (darkest = most salient)\n`);
for (let y = 0; y < height; y++) {
  let line = '';
  for (let x = 0; x < width; x++) line += shades[Math.min(shades.length - 1, Math.floor(map.data[y * width + x] * shades.length))].repeat(2);
  console.log(line);
}
console.log(`\n${attribution.method} (${attribution.meta.variant}), ${attribution.meta.modelCalls} model call(s), map ${map.shape.join('x')}`);
model.dispose();
