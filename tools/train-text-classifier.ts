// Trains the two marker-sentence classifiers used by @salience/token-saliency's tests and saves
// them (tfjs LayersModel format: model.json + weights.bin, a few KB each) under
// packages/token-saliency/test-models/marker-sentences/{clean,spurious}/.
//
//   node --conditions=@salience/source --import tsx tools/train-text-classifier.ts
//
// The network is Embedding -> Conv1D(3, 'same', ReLU) -> mean over tokens -> Dense logits. tfjs's
// cpu backend differentiates Conv1D (its filter gradient) and the embedding lookup very slowly, so
// training runs the same network written with matrix products only: the embedding is a one-hot
// product, and the convolution is the sum of three products with the embeddings of the previous,
// current and next token (a one-hot of -1, all zeros, stands for the convolution's zero padding).
// The weights then go into a LayersModel with real Embedding and Conv1D layers, which is checked
// to give the same logits. Seeded (weights from core's RNG, fixed batch order): the same weights
// come out every time, in well under a minute per model on 2 cores.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRng } from '@salience/core';
import { generateSentences, idsOf, SEQUENCE_LENGTH, type Sentence, type SentenceOptions, TRAINING_SETS, VOCAB } from '@salience/token-saliency/testing';
import * as tf from '@tensorflow/tfjs';

const OUT = new URL('../packages/token-saliency/test-models/marker-sentences/', import.meta.url);
const V = VOCAB.length;
const T = SEQUENCE_LENGTH;
const D = 16;
const F = 16;
const EPOCHS = 5;
const BATCH = 32;
const LEARNING_RATE = 0.01;

interface Weights {
  readonly table: tf.Variable; // [V, D]
  readonly taps: readonly tf.Variable[]; // 3 x [D, F]: previous, current, next token
  readonly convBias: tf.Variable; // [F]
  readonly dense: tf.Variable; // [F, 2]
  readonly denseBias: tf.Variable; // [2]
}

function initialWeights(seed: number): Weights {
  const rng = createRng(seed);
  const uniform = (shape: number[], limit: number) => {
    const data = rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -limit, limit);
    return tf.variable(tf.tensor(data, shape));
  };
  // Keras's defaults: uniform(-0.05, 0.05) embeddings, Glorot-uniform kernels, zero biases.
  const glorot = (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut));
  return {
    table: uniform([V, D], 0.05),
    taps: [0, 1, 2].map(() => uniform([D, F], glorot(3 * D, 3 * F))),
    convBias: tf.variable(tf.zeros([F])),
    dense: uniform([F, 2], glorot(F, 2)),
    denseBias: tf.variable(tf.zeros([2])),
  };
}

/** One-hots [N * T, V] of the previous, current and next token of every position. */
function shiftedOneHots(sentences: readonly Sentence[]): tf.Tensor2D[] {
  const ids = idsOf(sentences).data;
  return [-1, 0, 1].map((shift) => {
    const shifted = Int32Array.from(ids, (_, i) => {
      const t = (i % T) + shift;
      return t < 0 || t >= T ? -1 : ids[i + shift]!;
    });
    return tf.tidy(() => tf.oneHot(tf.tensor1d(shifted, 'int32'), V).toFloat() as tf.Tensor2D);
  });
}

function logitsOf(w: Weights, hots: readonly tf.Tensor2D[], rows: number): tf.Tensor2D {
  let pre: tf.Tensor = w.convBias;
  for (let k = 0; k < 3; k++) pre = tf.add(pre, tf.matMul(tf.matMul(hots[k]!, w.table), w.taps[k]!));
  const pooled = tf.relu(pre).reshape([rows, T, F]).mean(1) as tf.Tensor2D;
  return tf.add(tf.matMul(pooled, w.dense), w.denseBias);
}

/** The trained weights in a LayersModel with Embedding and Conv1D layers; any sentence length. */
function toLayersModel(w: Weights): tf.LayersModel {
  const input = tf.input({ shape: [null], name: 'ids' });
  const emb = tf.layers.embedding({ name: 'emb', inputDim: V, outputDim: D });
  const conv = tf.layers.conv1d({ name: 'conv', filters: F, kernelSize: 3, padding: 'same', activation: 'relu' });
  const dense = tf.layers.dense({ name: 'logits', units: 2 });
  let x = emb.apply(input) as tf.SymbolicTensor;
  x = conv.apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: dense.apply(x) as tf.SymbolicTensor, name: 'marker_sentences' });
  emb.setWeights([w.table]);
  tf.tidy(() => conv.setWeights([tf.stack([...w.taps]), w.convBias]));
  dense.setWeights([w.dense, w.denseBias]);
  return model;
}

function accuracy(logits: tf.Tensor2D, sentences: readonly Sentence[]): number {
  const predicted = tf.tidy(() => logits.argMax(1).dataSync());
  return sentences.filter((s, i) => predicted[i] === s.label).length / sentences.length;
}

async function save(model: tf.LayersModel, name: string, facts: Record<string, unknown>): Promise<void> {
  const dir = new URL(`${name}/`, OUT);
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const manifest = {
        format: 'layers-model',
        generatedBy: 'tools/train-text-classifier.ts',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        training: facts,
      };
      await writeFile(new URL('model.json', dir), `${JSON.stringify(manifest, null, 1)}\n`);
      await writeFile(new URL('weights.bin', dir), weights);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

async function train(name: keyof typeof TRAINING_SETS, seed: number): Promise<void> {
  const options: SentenceOptions = TRAINING_SETS[name];
  const sentences = generateSentences(options);
  const rows = sentences.length;
  const hots = shiftedOneHots(sentences);
  const labels = tf
    .oneHot(
      tf.tensor1d(
        Int32Array.from(sentences, (s) => s.label),
        'int32',
      ),
      2,
    )
    .toFloat();
  const weights = initialWeights(seed);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const rng = createRng(seed + 1);
  const started = performance.now();
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    // A seeded order of batches (sentences alternate classes, so each batch is balanced).
    const order = Array.from({ length: Math.ceil(rows / BATCH) }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let total = 0;
    for (const batch of order) {
      const start = batch * BATCH;
      const n = Math.min(BATCH, rows - start);
      const loss = tf.tidy(() => {
        const part = hots.map((h) => h.slice([start * T, 0], [n * T, V]));
        const y = labels.slice([start, 0], [n, 2]);
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logitsOf(weights, part, n)) as tf.Scalar, true)!;
      });
      total += (await loss.data())[0]! * n;
      loss.dispose();
    }
    lastLoss = total / rows;
  }
  const seconds = (performance.now() - started) / 1000;

  const model = toLayersModel(weights);
  const heldOut = generateSentences({ ...options, count: 1000, seed: options.seed + 1000 });
  const heldOutHots = shiftedOneHots(heldOut);
  const [trained, rebuilt, trainLogits] = tf.tidy(() => {
    const { data, shape } = idsOf(heldOut);
    return [logitsOf(weights, heldOutHots, heldOut.length), model.predict(tf.tensor(data, [...shape])) as tf.Tensor2D, logitsOf(weights, hots, rows)];
  });
  const mismatch = tf.tidy(() => tf.max(tf.abs(tf.sub(trained, rebuilt))).dataSync()[0])!;
  if (!(mismatch < 1e-4)) throw new Error(`The LayersModel disagrees with the trained network by ${mismatch}; not saving it.`);
  const facts = {
    data: options,
    network: `Embedding(${V}, ${D}) -> Conv1D(${F}, 3, same, relu) -> mean -> Dense(2)`,
    epochs: EPOCHS,
    batchSize: BATCH,
    learningRate: LEARNING_RATE,
    seed,
    finalLoss: Number(lastLoss.toFixed(4)),
    trainAccuracy: accuracy(trainLogits, sentences),
    heldOutAccuracy: accuracy(rebuilt, heldOut),
  };
  await save(model, name, facts);
  console.log(`${name}: trained in ${seconds.toFixed(1)} s; ${JSON.stringify(facts)}`);
  tf.dispose([...hots, ...heldOutHots, labels, trained, rebuilt, trainLogits, weights.table, ...weights.taps, weights.convBias, weights.dense, weights.denseBias]);
  optimizer.dispose();
  model.dispose();
}

await tf.setBackend('cpu');
await train('clean', 7);
await train('spurious', 7);
