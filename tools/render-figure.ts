// `node --conditions=@salience/source --import tsx tools/render-figure.ts`
// Draws docs/render-figure.png (the render README's figure): integrated gradients (signed) and
// Grad-CAM on a built-in Fashion-MNIST test image (the CLI's tfjs model, cpu backend), each as render's Captum-style figure
// (original | heat map | blended, colorbar in raw units, title with class and probability).
import { readFileSync, writeFileSync } from 'node:fs';
import { tensor } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { integratedGradients } from '@salience/integrated-gradients';
import { attributionFigure, decodePng, encodePng, grid, inputToImage, softmax } from '@salience/render';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';

const builtin = new URL('../packages/cli/builtin/', import.meta.url).pathname;
const labels = readFileSync(`${builtin}labels.txt`, 'utf8').trim().split('\n');
const sample = (JSON.parse(readFileSync(`${builtin}samples.json`, 'utf8')) as { file: string; label: number }[])[3]!;
const png = decodePng(readFileSync(`${builtin}${sample.file}`));
const pixels = Float32Array.from({ length: png.width * png.height }, (_, p) => png.data[p * 4]! / 255);
const artifacts = JSON.parse(readFileSync(`${builtin}model.json`, 'utf8'));
const weights = readFileSync(`${builtin}weights.bin`);
const layers = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }),
);
const model = fromTfjs(tf, layers);
const shape = model.layout === 'NHWC' ? [1, png.height, png.width, 1] : [1, 1, png.height, png.width];
const input = tensor(pixels, shape);
const { logits } = await model.run({ input, outputs: ['logits'] });
const probabilities = softmax(logits.data);
const target = sample.label;
const image = inputToImage(input, model.layout as 'NCHW' | 'NHWC');
const common = { image, className: labels[target], probability: probabilities[target], panelSize: 168 };

const ig = await integratedGradients.attribute(model, input, { target, steps: 64 });
const cam = await gradCam.attribute(model, input, { target });
const figures = [attributionFigure(ig, { ...common, method: 'Integrated gradients', display: { sign: 'all' } }), attributionFigure(cam, { ...common, method: 'Grad-CAM' })];
const sheet = grid(
  figures.map((f) => [f]),
  { gap: 0 },
);
const out = new URL('../docs/render-figure.png', import.meta.url).pathname;
writeFileSync(out, encodePng(sheet));
console.log(
  `Wrote ${out} (${sheet.width} x ${sheet.height}); ${labels[target]} p = ${probabilities[target]!.toFixed(3)}, IG delta ${Array.from(ig.meta.delta as Float32Array).map((d) => d.toExponential(2))}`,
);
