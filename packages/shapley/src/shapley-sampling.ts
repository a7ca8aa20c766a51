import {
  type Attribution,
  type CommonOptions,
  checkLimit,
  createRng,
  forEachBatch,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { fillCoalition, spreadFeatures } from './feature-mask.js';
import { checkLogits, FEATURE_OPTION_KEYS, type FeatureOptions, prepareCall, scoreRows, VALUES_LAYOUT } from './prologue.js';
import { randomPermutation } from './sampling.js';

export interface ShapleySamplingOptions extends FeatureOptions {
  /** Random feature orders; default 25, Captum's. Ignored when `permutations` is given. */
  readonly permutations?: number | TensorData;
}

function checkPermutations(t: TensorData, features: number): void {
  if (t.shape.length !== 2 || t.shape[1] !== features || t.shape[0]! < 1 || t.data.length !== t.shape[0]! * features) {
    throw new ShapeError(`permutations has shape [${t.shape.join(', ')}]; give [n, ${features}], one order of the ${features} features per row.`);
  }
  const seen = new Uint8Array(features);
  for (let p = 0; p < t.shape[0]!; p++) {
    seen.fill(0);
    for (let k = 0; k < features; k++) {
      const f = t.data[p * features + k]!;
      if (!Number.isInteger(f) || f < 0 || f >= features || seen[f]) throw new ShapeError(`permutations row ${p} is not a permutation of 0..${features - 1}.`);
      seen[f] = 1;
    }
  }
}

/**
 * Shapley value sampling (Castro et al. 2009), Captum's `ShapleyValueSampling`: for each random
 * order of the features, they are added one by one to the baseline and each gets the change in
 * the target's score when it joins; the attribution is the mean over orders. Every order is shared
 * by all examples (as in Captum) and costs one model row per (example, feature), batched; memory
 * does not grow with the number of orders.
 */
export const SHAPLEY_SAMPLING_OPTION_KEYS: readonly (keyof ShapleySamplingOptions)[] = [...FEATURE_OPTION_KEYS, 'permutations'];

export const shapleySampling: Method<ShapleySamplingOptions> = {
  id: 'shapley-sampling',
  requires: ['logits'],
  optionKeys: SHAPLEY_SAMPLING_OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: ShapleySamplingOptions & CommonOptions = {}): Promise<Attribution> {
    const id = 'shapley-sampling';
    const given = Array.isArray((options.permutations as Partial<TensorData> | null)?.shape) ? (options.permutations as TensorData) : undefined;
    const count: number = (given ? given.shape[0] : ((options.permutations as number | undefined) ?? 25))!;
    if (!given && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
      throw new OptionError(`permutations must be a positive integer or an [n, features] tensor; got ${JSON.stringify(options.permutations)}.`);
    }
    if (!given) checkLimit('samples', count, options.limits, 'permutations');
    const call = await prepareCall(id, model, input, options, SHAPLEY_SAMPLING_OPTION_KEYS);
    const { features, batchSize, examples, targets, pairsOf } = call;
    const m = features.count;
    if (given) checkPermutations(given, m);
    const { signal } = options;
    const size = features.size;
    const exampleCount = input.shape[0]!;
    const rowShape = input.shape.slice(1);
    const buffer = new Float32Array(Math.min(batchSize, Math.max(exampleCount, count * exampleCount * m)) * size);

    // The baseline's scores: where every order starts.
    const previous = new Float64Array(examples.length);
    const base = new Float64Array(examples.length);
    await forEachBatch(
      exampleCount,
      batchSize,
      async (start, end) => {
        for (let e = start; e < end; e++) {
          fillCoalition(buffer.subarray((e - start) * size, (e - start + 1) * size), input.data.subarray(e * size, (e + 1) * size), call.baselineOf(e), features, () => false);
        }
        const { logits } = await call.call.run({
          input: { data: buffer.subarray(0, (end - start) * size), shape: [end - start, ...rowShape] },
          examples: Int32Array.from({ length: end - start }, (_, r) => start + r),
          outputs: ['logits'],
        });
        checkLogits(logits, end - start, targets);
        const scores = scoreRows(
          logits,
          Int32Array.from({ length: end - start }, (_, r) => start + r),
          call,
          options.objective,
        );
        for (let e = start; e < end; e++) {
          pairsOf[e]!.forEach((p, o) => {
            base[p] = scores[e - start]![o]!;
          });
        }
      },
      { signal },
    );

    // Rows in order: permutation, example, step; step k adds the k-th feature of the order.
    const rng = createRng(options.seed ?? 0);
    const order = new Int32Array(m);
    const rank = new Int32Array(m);
    const sums = new Float64Array(examples.length * m);
    const total = count * exampleCount * m;
    const rowExamples = new Int32Array(Math.min(batchSize, total));
    const rowFeatures = new Int32Array(Math.min(batchSize, total));
    let current = -1;
    await forEachBatch(
      total,
      batchSize,
      async (start, end) => {
        const rows = end - start;
        for (let r = 0; r < rows; r++) {
          const index = start + r;
          const perm = Math.floor(index / (exampleCount * m));
          const e = Math.floor(index / m) % exampleCount;
          const k = index % m;
          if (perm !== current) {
            if (given) for (let i = 0; i < m; i++) order[i] = given.data[perm * m + i]!;
            else randomPermutation(rng, order);
            for (let i = 0; i < m; i++) rank[order[i]!] = i;
            current = perm;
          }
          fillCoalition(buffer.subarray(r * size, (r + 1) * size), input.data.subarray(e * size, (e + 1) * size), call.baselineOf(e), features, (f) => rank[f]! <= k);
          rowExamples[r] = e;
          rowFeatures[r] = order[k]!;
        }
        const { logits } = await call.call.run({
          input: { data: buffer.subarray(0, rows * size), shape: [rows, ...rowShape] },
          examples: rowExamples.subarray(0, rows),
          outputs: ['logits'],
        });
        checkLogits(logits, rows, targets);
        const scores = scoreRows(logits, rowExamples.subarray(0, rows), call, options.objective);
        for (let r = 0; r < rows; r++) {
          const k = (start + r) % m;
          pairsOf[rowExamples[r]!]!.forEach((p, o) => {
            const before = (k === 0 ? base[p] : previous[p])!;
            sums[p * m + rowFeatures[r]!]! += scores[r]![o]! - before;
            previous[p] = scores[r]![o]!;
          });
        }
      },
      { signal, onProgress: options.onProgress },
    );

    const values = new Float32Array(examples.length * size);
    const mean = new Float64Array(m);
    for (let p = 0; p < examples.length; p++) {
      for (let f = 0; f < m; f++) mean[f] = sums[p * m + f]! / count;
      spreadFeatures(mean, features, values.subarray(p * size, (p + 1) * size));
    }
    return {
      method: id,
      values: { data: values, shape: [examples.length, ...rowShape] },
      layout: VALUES_LAYOUT[model.layout],
      examples,
      targets,
      meta: {
        features: m,
        permutations: count,
        orders: given ? 'given' : 'drawn',
        baseline: call.baselineKind,
        objective: objectiveName(options.objective),
        batchSize,
        modelCalls: call.call.modelCalls,
        modelRows: exampleCount + total,
      },
    };
  },
};
