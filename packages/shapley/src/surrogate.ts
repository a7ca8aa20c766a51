import {
  type Attribution,
  type CommonOptions,
  checkLimit,
  createRng,
  forEachBatch,
  type Model,
  OptionError,
  objectiveName,
  type Rng,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { type Features, fillCoalition, spreadFeatures } from './feature-mask.js';
import { WeightedMoments } from './linear-fit.js';
import { checkLogits, FEATURE_OPTION_KEYS, type FeatureOptions, prepareCall, scoreRows, VALUES_LAYOUT } from './prologue.js';

export interface SurrogateOptions extends FeatureOptions {
  /** Coalitions per example (model rows per example); default 25, Captum's. Ignored when `coalitions` is given. */
  readonly samples?: number;
  /**
   * The coalitions to evaluate instead of drawing them: 0/1 per feature (1 = kept), `[n, M]` for
   * every example or `[B, n, M]` one set per example, M the number of features. For reproducing
   * another implementation's draws (Captum's, in the parity tests).
   */
  readonly coalitions?: TensorData;
}

/** How a surrogate method draws, weighs and fits its samples. */
export interface SurrogateSpec {
  readonly id: string;
  /** A fresh sampler for each example (KernelSHAP's first two draws are per example). */
  sampler(rng: Rng, features: number): (z: Uint8Array) => void;
  /** The sample's weight in the fit, from its coalition, the example and the perturbed copy. */
  weight(z: Uint8Array, example: Float32Array, copy: Float32Array): number;
  /** Coefficients of the linear surrogate for one output of an example's samples. */
  fit(moments: WeightedMoments, output: number): Float64Array;
  readonly meta: Readonly<Record<string, unknown>>;
  /** The method's option names (with the feature and sampling ones). */
  readonly optionKeys: readonly string[];
}

/** Option names of every surrogate method. */
export const SURROGATE_OPTION_KEYS: readonly (keyof SurrogateOptions)[] = [...FEATURE_OPTION_KEYS, 'samples', 'coalitions'];

/** Reads `coalitions` into a function of (example, sample) that fills z. */
function givenCoalitions(coalitions: TensorData, examples: number, features: Features): { samples: number; fill: (e: number, s: number, z: Uint8Array) => void } {
  const m = features.count;
  const { shape, data } = coalitions;
  if (!Array.isArray(shape) || typeof data?.length !== 'number')
    throw new ShapeError(`coalitions must be a tensor { data, shape } of 0/1, [samples, ${features.count}] or [${examples}, samples, ${features.count}].`);
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new ShapeError(`coalitions has ${data.length} values for its shape [${shape.join(', ')}].`);
  const shared = shape.length === 2 && shape[1] === m;
  const perExample = shape.length === 3 && shape[0] === examples && shape[2] === m;
  if (!shared && !perExample) {
    throw new ShapeError(`coalitions has shape [${shape.join(', ')}]; give [samples, ${m}] for all examples or [${examples}, samples, ${m}] (${m} features).`);
  }
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0 && data[i] !== 1) throw new ShapeError(`coalitions value ${i} is ${data[i]}; coalitions are 0 (left out) or 1 (kept).`);
  }
  const samples = shared ? shape[0] : shape[1];
  if (samples < 1) throw new ShapeError('coalitions holds no sample.');
  return { samples, fill: (e, s, z) => z.set(data.subarray(((shared ? 0 : e) * samples + s) * m, ((shared ? 0 : e) * samples + s + 1) * m)) };
}

/**
 * A linear surrogate (KernelSHAP, LIME): for each example, coalitions of features are evaluated on
 * copies where the left-out features take the baseline, a weighted linear model is fitted to the
 * target's scores, and its coefficients are the attributions (each element gets its feature's).
 * Copies are built and run one batch at a time, and the fit keeps only weighted sums, so memory
 * does not grow with the number of samples; targets of one example share its copies.
 */
export async function surrogateAttribution(spec: SurrogateSpec, model: Model, input: TensorData, options: SurrogateOptions & CommonOptions): Promise<Attribution> {
  const { id } = spec;
  const { signal } = options;
  if (options.samples !== undefined && (!Number.isInteger(options.samples) || options.samples < 1)) {
    throw new OptionError(`samples must be a positive integer; got ${options.samples}.`);
  }
  // Bounded like every method's work (issue 16): 1e8 samples would run for hours.
  if (options.samples !== undefined) checkLimit('samples', options.samples, options.limits);
  const call = await prepareCall(id, model, input, options, spec.optionKeys);
  const { features, batchSize, examples, targets, pairsOf } = call;
  const exampleCount = input.shape[0]!;
  const size = features.size;
  const m = features.count;
  const given = options.coalitions ? givenCoalitions(options.coalitions, exampleCount, features) : undefined;
  const samples = given?.samples ?? options.samples ?? 25;
  const rng = createRng(options.seed ?? 0);

  const total = exampleCount * samples;
  const buffer = new Float32Array(Math.min(batchSize, total) * size);
  const zs = new Uint8Array(Math.min(batchSize, total) * m);
  const weights = new Float64Array(Math.min(batchSize, total));
  const rowExamples = new Int32Array(Math.min(batchSize, total));
  const values = new Float32Array(examples.length * size);
  let moments: WeightedMoments | undefined;
  let sampler: ((z: Uint8Array) => void) | undefined;

  await forEachBatch(
    total,
    batchSize,
    async (start, end) => {
      const rows = end - start;
      for (let r = 0; r < rows; r++) {
        const e = Math.floor((start + r) / samples);
        const s = (start + r) % samples;
        if (s === 0) sampler = given ? undefined : spec.sampler(rng, m);
        const z = zs.subarray(r * m, (r + 1) * m);
        if (given) given.fill(e, s, z);
        else sampler!(z);
        const example = input.data.subarray(e * size, (e + 1) * size);
        const copy = buffer.subarray(r * size, (r + 1) * size);
        fillCoalition(copy, example, call.baselineOf(e), features, (k) => z[k] === 1);
        weights[r] = spec.weight(z, example, copy);
        rowExamples[r] = e;
      }
      const { logits } = await call.call.run({
        input: { data: buffer.subarray(0, rows * size), shape: [rows, ...input.shape.slice(1)] },
        examples: rowExamples.subarray(0, rows),
        outputs: ['logits'],
      });
      checkLogits(logits, rows, targets);
      const scores = scoreRows(logits, rowExamples.subarray(0, rows), call, options.objective);
      for (let r = 0; r < rows; r++) {
        const e = rowExamples[r]!;
        const s = (start + r) % samples;
        if (s === 0) moments = new WeightedMoments(m, pairsOf[e]!.length);
        moments!.add(zs.subarray(r * m, (r + 1) * m), weights[r]!, scores[r]!);
        if (s === samples - 1) {
          pairsOf[e]!.forEach((p, o) => {
            spreadFeatures(spec.fit(moments!, o), features, values.subarray(p * size, (p + 1) * size));
          });
          moments = undefined;
        }
      }
    },
    { signal, onProgress: options.onProgress },
  );

  return {
    method: id,
    values: { data: values, shape: [examples.length, ...input.shape.slice(1)] },
    layout: VALUES_LAYOUT[model.layout],
    examples,
    targets,
    meta: {
      ...spec.meta,
      features: m,
      samples,
      coalitions: given ? 'given' : 'drawn',
      baseline: call.baselineKind,
      objective: objectiveName(options.objective),
      batchSize,
      modelCalls: call.call.modelCalls,
      modelRows: total,
    },
  };
}
