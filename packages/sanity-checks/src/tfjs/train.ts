import type { TensorData } from '@salience/core';
import { createRng, OptionError, throwIfAborted } from '@salience/core';
import { withFastFilterGradients } from './fast-filter-gradient.js';
import type { LayersModel, TfNamespace } from './tf-namespace.js';

export interface TrainOptions {
  /** Passes over the data; default 5. */
  readonly epochs?: number;
  /** Examples per optimiser step; default 32. */
  readonly batchSize?: number;
  /** Adam's learning rate; default 0.005. */
  readonly learningRate?: number;
  /** Seed of the order of the examples in each epoch. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Called after each epoch with its mean loss. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

function checkInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer; got ${value}.`);
  return value;
}

/**
 * Trains a LayersModel that outputs logits with Adam on softmax cross-entropy, in place, with a
 * seeded order of examples (tfjs's own `fit` shuffles with Math.random). On the cpu backend the
 * same seed gives the same weights. Convolution filter gradients use a faster kernel during the
 * training (`withFastFilterGradients`). The model is compiled with an Adam optimiser of its own,
 * which is disposed afterwards. Returns the mean loss of each epoch.
 */
export async function trainLayersModel(
  tf: Pick<TfNamespace, 'tensor' | 'oneHot' | 'tidy' | 'dispose' | 'train' | 'losses' | 'getBackend' | 'getKernel' | 'registerKernel' | 'unregisterKernel' | 'backend_util'>,
  net: LayersModel,
  input: TensorData,
  labels: ArrayLike<number>,
  options: TrainOptions = {},
): Promise<number[]> {
  const rows = input.shape[0];
  if (labels.length !== rows) throw new OptionError(`Got ${labels.length} labels for ${rows} training examples; give one class per example.`);
  const epochs = checkInteger(options.epochs ?? 5, 'epochs');
  const batchSize = checkInteger(options.batchSize ?? 32, 'batchSize');
  const learningRate = options.learningRate ?? 0.005;
  if (!(learningRate > 0)) throw new OptionError(`learningRate must be positive; got ${learningRate}.`);
  const classes = net.outputs[0]!.shape[1];
  if (typeof classes !== 'number') throw new OptionError('The model must output logits of shape [batch, classes].');
  for (let i = 0; i < rows; i++) {
    if (!Number.isInteger(labels[i]) || labels[i]! < 0 || labels[i]! >= classes) throw new OptionError(`Label ${i} is ${labels[i]}; labels are classes in 0..${classes - 1}.`);
  }
  const optimizer = tf.train.adam(learningRate);
  net.compile({ optimizer, loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  try {
    return await withFastFilterGradients(tf, () =>
      trainEpochs(tf, net, input, labels, classes, { epochs, batchSize, seed: options.seed ?? 0, signal: options.signal, onEpoch: options.onEpoch }),
    );
  } finally {
    // Adam's moments are tensors of their own; the trained weights stay in the model.
    optimizer.dispose();
  }
}

async function trainEpochs(
  tf: Pick<TfNamespace, 'tensor' | 'oneHot' | 'tidy' | 'dispose'>,
  net: LayersModel,
  input: TensorData,
  labels: ArrayLike<number>,
  classes: number,
  options: { epochs: number; batchSize: number; seed: number; signal?: AbortSignal; onEpoch?: (epoch: number, loss: number) => void },
): Promise<number[]> {
  const { epochs, batchSize } = options;
  const rows = input.shape[0]!;
  const size = input.data.length / rows;
  const rng = createRng(options.seed);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = rows - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let total = 0;
    for (let start = 0; start < rows; start += batchSize) {
      throwIfAborted(options.signal);
      const batch = order.subarray(start, Math.min(rows, start + batchSize));
      const xs = new Float32Array(batch.length * size);
      const ys = new Int32Array(batch.length);
      batch.forEach((r, k) => {
        xs.set(input.data.subarray(r * size, (r + 1) * size), k * size);
        ys[k] = labels[r]!;
      });
      const [x, y] = tf.tidy(() => [tf.tensor(xs, [batch.length, ...input.shape.slice(1)]), tf.oneHot(tf.tensor(ys, [batch.length], 'int32'), classes)]);
      try {
        total += Number(await net.trainOnBatch(x, y)) * batch.length;
      } finally {
        tf.dispose([x, y]);
      }
    }
    losses.push(total / rows);
    options.onEpoch?.(epoch, total / rows);
  }
  return losses;
}
