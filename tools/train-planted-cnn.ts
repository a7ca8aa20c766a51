// Trains the small CNN of the planted-evidence benchmark (@salience/sanity-checks) and writes its
// weights, in tfjs's format, to packages/sanity-checks/test/planted-cnn/ for the package's tests.
// Seeded and on the cpu backend, so a rerun writes the same weights.
//   node --conditions=@salience/source --import tsx tools/train-planted-cnn.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { plantedShapes } from '@salience/sanity-checks';
import { plantedCnn, trainLayersModel } from '@salience/sanity-checks/tfjs';
import * as tf from '@tensorflow/tfjs';

const TRAIN = { count: 1000, seed: 1 };
const HELD_OUT = { count: 400, seed: 2 };
const TRAINING = { epochs: 6, batchSize: 32, learningRate: 0.005, seed: 0 };
const outDir = new URL('../packages/sanity-checks/test/planted-cnn/', import.meta.url).pathname;

await tf.setBackend('cpu');
const started = Date.now();
const train = plantedShapes(TRAIN);
const heldOut = plantedShapes(HELD_OUT);
const net = plantedCnn(tf, { seed: 0 });
await trainLayersModel(tf, net, train.input, train.labels, {
  ...TRAINING,
  onEpoch: (epoch, loss) => console.log(`epoch ${epoch + 1}/${TRAINING.epochs}: loss ${loss.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(1)} s)`),
});

function accuracy(data: ReturnType<typeof plantedShapes>): number {
  const predicted = Array.from(tf.tidy(() => (net.predict(tf.tensor(data.input.data, [...data.input.shape])) as tf.Tensor).argMax(1).dataSync()));
  return predicted.reduce((hits, p, i) => hits + (p === data.labels[i] ? 1 : 0), 0) / data.labels.length;
}
const trainAccuracy = accuracy(train);
const heldOutAccuracy = accuracy(heldOut);
console.log(`accuracy: train ${(trainAccuracy * 100).toFixed(1)}%, held-out ${(heldOutAccuracy * 100).toFixed(1)}%`);

mkdirSync(outDir, { recursive: true });
await net.save(
  tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData as ArrayBuffer;
    writeFileSync(`${outDir}weights.bin`, new Uint8Array(weightData));
    const manifest = {
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      training: { script: 'tools/train-planted-cnn.ts', train: TRAIN, heldOut: HELD_OUT, ...TRAINING, trainAccuracy, heldOutAccuracy },
    };
    writeFileSync(`${outDir}model.json`, `${JSON.stringify(manifest)}\n`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
console.log(`wrote ${outDir}model.json and weights.bin in ${((Date.now() - started) / 1000).toFixed(1)} s`);
