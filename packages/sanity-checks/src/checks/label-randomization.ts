import type { CommonOptions, Model, TensorData } from '@salience/core';
import { argmaxRows, batchRanges, createRng, defaultBatchSize, OptionError, rowSize, ShapeError } from '@salience/core';
import type { Similarity, SimilarityOptions } from '../metrics/map-similarity.js';
import { mapSimilarity } from '../metrics/map-similarity.js';
import type { Maps2d } from '../metrics/maps.js';
import { toMaps2d } from '../metrics/maps.js';
import type { ResolvedEntry } from './method-entry.js';
import { mapsOf } from './method-entry.js';
import type { Trainer } from './trainer.js';

export interface LabelRandomizationOptions {
  /** Trains the model's architecture on `data.training` with the labels it is given. */
  readonly trainer: Trainer;
  /** Compare with the model you gave ('model', default) or with the trainer's model on the true labels ('retrained', same budget for both). */
  readonly reference?: 'model' | 'retrained';
  /** The verdict's measure; default 'spearmanAbs'. */
  readonly measure?: keyof Similarity;
  /** Passes when the measure is at most this; default 0.6. */
  readonly maxSimilarity?: number;
}

/** The labels in a seeded random order (a permutation: the classes keep their frequencies). */
export function shuffledLabels(labels: ArrayLike<number>, seed = 0): Int32Array {
  const out = Int32Array.from(labels);
  const rng = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Share of examples whose predicted class is their label. */
export async function accuracy(model: Model, input: TensorData, labels: ArrayLike<number>, batchSize?: number, signal?: AbortSignal): Promise<number> {
  const size = rowSize(input);
  let hits = 0;
  for (const [start, end] of batchRanges(input.shape[0]!, batchSize ?? defaultBatchSize(size))) {
    const { logits } = await model.run({
      input: { data: input.data.subarray(start * size, end * size), shape: [end - start, ...input.shape.slice(1)] },
      outputs: ['logits'],
      signal,
    });
    argmaxRows(logits).forEach((p, i) => {
      if (p === labels[start + i]) hits++;
    });
  }
  return hits / input.shape[0]!;
}

export interface LabelRandomizationRun {
  readonly similarity: Similarity;
  readonly accuracy: { readonly reference: number; readonly randomized: number } | null;
}

/**
 * Adebayo et al. (2018)'s data randomisation test: the architecture trained on shuffled labels
 * has learnt nothing that the labels explain, so a method whose maps stay the same is not
 * explaining what the model learnt. Trains one model (two with 'retrained') and compares each
 * entry's maps on it with the reference's.
 */
export async function runLabelRandomization(
  model: Model,
  entries: readonly ResolvedEntry[],
  trainedMaps: readonly Maps2d[],
  input: TensorData,
  targets: Int32Array,
  training: { readonly input: TensorData; readonly labels: ArrayLike<number> },
  options: LabelRandomizationOptions & { seed: number; labels?: ArrayLike<number>; similarity?: SimilarityOptions; common: CommonOptions },
): Promise<LabelRandomizationRun[]> {
  if (typeof options.trainer !== 'function')
    throw new OptionError('Label randomisation needs labelRandomization.trainer: (labels) => Promise<Model>, e.g. tfjsTrainer from @salience/sanity-checks/tfjs.');
  if (training.labels.length !== training.input.shape[0]) {
    throw new ShapeError(`data.training has ${training.input.shape[0]} examples but ${training.labels.length} labels.`);
  }
  const reference = options.reference ?? 'model';
  if (reference !== 'model' && reference !== 'retrained') throw new OptionError(`reference must be 'model' or 'retrained'; got ${JSON.stringify(reference)}.`);
  const signal = options.common.signal;
  const owned: Model[] = [];
  try {
    const randomized = await options.trainer(shuffledLabels(training.labels, options.seed), { signal });
    owned.push(randomized);
    let referenceModel = model;
    let referenceMaps = trainedMaps;
    if (reference === 'retrained') {
      referenceModel = await options.trainer(Int32Array.from(training.labels), { signal });
      owned.push(referenceModel);
      referenceMaps = [];
      for (const entry of entries) (referenceMaps as Maps2d[]).push(toMaps2d(await mapsOf(entry, referenceModel, input, targets, options.common)));
    }
    const accuracies = options.labels
      ? {
          reference: await accuracy(referenceModel, input, options.labels, options.common.batchSize, signal),
          randomized: await accuracy(randomized, input, options.labels, options.common.batchSize, signal),
        }
      : null;
    const runs: LabelRandomizationRun[] = [];
    for (const [m, entry] of entries.entries()) {
      const maps = toMaps2d(await mapsOf(entry, randomized, input, targets, options.common));
      runs.push({ similarity: mapSimilarity(referenceMaps[m]!, maps, options.similarity).mean, accuracy: accuracies });
    }
    return runs;
  } finally {
    for (const m of owned) m.dispose();
  }
}
