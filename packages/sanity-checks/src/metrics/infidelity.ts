import type { Attribution, Model, Objective, Rng, TensorData } from '@salience/core';
import { checkBatchSize, createRng, defaultBatchSize, OptionError, objectiveName, rowSize, ShapeError } from '@salience/core';
import { inputGrid } from './maps.js';
import { scoreRows } from './scored-rows.js';

/** Writes a perturbation I of `example` into `out`; the model then sees `example - I` (Captum's convention). */
export type Perturbation = (example: Float32Array, rng: Rng, out: Float32Array) => void;

export interface InfidelityOptions {
  /** Perturbations per example (Captum's `n_perturb_samples`); default 10. */
  readonly samples?: number;
  /** Standard deviation of the default perturbation, Gaussian noise; default 0.003 (Captum's example). */
  readonly noiseStd?: number;
  /** Replaces the Gaussian noise. */
  readonly perturbation?: Perturbation;
  /** Scale the attribution by the best beta first, making the score invariant to the map's scale (Captum's `normalize`); default false. */
  readonly normalize?: boolean;
  /** The scalar f of each example; default 'logit' (Captum: the model's output at the target). */
  readonly objective?: Objective;
  readonly seed?: number;
  /** Most perturbed rows per model call (Captum's `max_examples_per_batch`). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface InfidelityResult {
  /** The infidelity of each example's map. */
  readonly perExample: Float32Array;
  readonly mean: number;
  readonly samples: number;
  readonly normalize: boolean;
  readonly perturbation: 'gaussian' | 'custom';
  readonly noiseStd: number | null;
  readonly objective: string;
  readonly modelCalls: number;
}

/** The attribution value of each input element: maps in the input's layout, or one value per pixel broadcast over channels. */
export function attributionPerElement(attribution: Pick<Attribution, 'values' | 'layout' | 'examples'>, input: TensorData, model: Pick<Model, 'layout'>): Float32Array {
  const examples = input.shape[0];
  if (attribution.examples.length !== examples || attribution.examples.some((e, i) => e !== i)) {
    throw new ShapeError(`The attribution has ${attribution.examples.length} maps for ${examples} examples; give one map per example, in order.`);
  }
  const values = attribution.values;
  if (values.data.length === input.data.length && values.shape.length === input.shape.length) return values.data;
  if (attribution.layout === 'NHW' && (model.layout === 'NHWC' || model.layout === 'NCHW')) {
    const grid = inputGrid(input, model.layout, 'Infidelity');
    const positions = grid.height * grid.width;
    if (values.shape[1] === grid.height && values.shape[2] === grid.width) {
      const size = rowSize(input);
      const out = new Float32Array(input.data.length);
      for (let e = 0; e < examples; e++) {
        for (let p = 0; p < positions; p++) for (let c = 0; c < grid.channels; c++) out[e * size + grid.offset(p, c)] = values.data[e * positions + p]!;
      }
      return out;
    }
  }
  throw new ShapeError(
    `Maps of shape [${values.shape.join(', ')}] ('${attribution.layout}') do not fit inputs of shape [${input.shape.join(', ')}]: give maps in the input's shape, or [examples, H, W] maps of the input's size.`,
  );
}

/**
 * Explanation infidelity (Yeh et al. 2019), exactly as Captum's `captum.metrics.infidelity`
 * computes it: for perturbations I of each example x, with Φ the attribution and f the target's
 * score, E[(Iᵀ Φ − (f(x) − f(x − I)))²]; with `normalize`, Φ is first scaled by
 * β = E[Iᵀ Φ · (f(x) − f(x − I))] / E[(Iᵀ Φ)²] (β = 1 where the denominator is 0). The default
 * perturbation is seeded Gaussian noise. Maps of one value per pixel ([examples, H, W]) count for
 * every channel of the pixel; Captum itself needs maps in the input's shape. Lower is better.
 */
export async function infidelity(
  model: Model,
  input: TensorData,
  attribution: Pick<Attribution, 'values' | 'layout' | 'examples' | 'targets'>,
  options: InfidelityOptions = {},
): Promise<InfidelityResult> {
  const samples = options.samples ?? 10;
  if (!Number.isInteger(samples) || samples < 1) throw new OptionError(`samples must be a positive integer; got ${samples}.`);
  const noiseStd = options.noiseStd ?? 0.003;
  if (!options.perturbation && !(noiseStd > 0)) throw new OptionError(`noiseStd must be positive; got ${noiseStd}.`);
  const phi = attributionPerElement(attribution, input, model);
  const examples = input.shape[0]!;
  const size = rowSize(input);
  const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
  const objective = options.objective ?? 'logit';
  const rng = createRng(options.seed ?? 0);
  const perturb: Perturbation = options.perturbation ?? ((_, r, out) => r.fillNormal(out, 0, noiseStd));
  const targets = attribution.targets;

  // f(x) of each example, then f(x - I) of each perturbed row, example-major as in Captum.
  const clean = await scoreRows(model, {
    total: examples,
    rowShape: input.shape.slice(1),
    fill: (e, out) => out.set(input.data.subarray(e * size, (e + 1) * size)),
    targetOf: (e) => targets[e]!,
    objective,
    batchSize,
    signal: options.signal,
  });
  const dots = new Float64Array(examples * samples);
  const noise = new Float32Array(size);
  const perturbed = await scoreRows(model, {
    total: examples * samples,
    rowShape: input.shape.slice(1),
    fill: (index, out) => {
      const e = Math.floor(index / samples);
      const x = input.data.subarray(e * size, (e + 1) * size);
      const a = phi.subarray(e * size, (e + 1) * size);
      perturb(x, rng, noise);
      let dot = 0;
      for (let i = 0; i < size; i++) {
        dot += noise[i]! * a[i]!;
        out[i] = x[i]! - noise[i]!;
      }
      dots[index] = dot;
    },
    targetOf: (index) => targets[Math.floor(index / samples)]!,
    objective,
    batchSize,
    signal: options.signal,
    onBatch: options.onProgress,
  });

  const perExample = new Float32Array(examples);
  for (let e = 0; e < examples; e++) {
    let aa = 0;
    let ab = 0;
    let bb = 0;
    let squared = 0;
    for (let s = 0; s < samples; s++) {
      const a = dots[e * samples + s]!;
      const b = clean.scores[e]! - perturbed.scores[e * samples + s]!;
      aa += a * a;
      ab += a * b;
      bb += b * b;
      squared += (a - b) ** 2;
    }
    // Captum expands the square only when it normalises; without, it sums (a - b)^2 directly.
    const beta = ab / (aa !== 0 ? aa : 1);
    perExample[e] = (options.normalize ? beta * beta * aa - 2 * beta * ab + bb : squared) / samples;
  }
  return {
    perExample,
    mean: perExample.reduce((s, v) => s + v, 0) / examples,
    samples,
    normalize: options.normalize ?? false,
    perturbation: options.perturbation ? 'custom' : 'gaussian',
    noiseStd: options.perturbation ? null : noiseStd,
    objective: objectiveName(objective),
    modelCalls: clean.modelCalls + perturbed.modelCalls,
  };
}
