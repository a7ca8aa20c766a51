import type { Attribution, CommonOptions, Method, Model, Rng, TensorData } from '@salience/core';
import { checkBatchSize, createRng, defaultBatchSize, OptionError, rowSize, ShapeError } from '@salience/core';

export interface SensitivityMaxOptions {
  /** Perturbations per example (Captum's `n_perturb_samples`); default 10. */
  readonly samples?: number;
  /** Radius of the L-infinity ball the noise is drawn from, uniformly (Captum's `perturb_radius`); default 0.02. */
  readonly radius?: number;
  /** Replaces the uniform noise: write a perturbed copy of `example` into `out`. */
  readonly perturb?: (example: Float32Array, rng: Rng, out: Float32Array) => void;
  /** Options of the method (its own ones; `target` and `batchSize` are set by the metric). */
  readonly methodOptions?: object;
  /** The maps of the unperturbed input, when you have them already (one per example, in order). */
  readonly attribution?: Pick<Attribution, 'values' | 'examples' | 'targets'>;
  /** One class per example; default: the attribution's targets, else 'predicted' on the clean input. */
  readonly target?: CommonOptions['target'];
  readonly seed?: number;
  /** Most perturbed examples per method call (Captum's `max_examples_per_batch`), also passed to the method. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SensitivityMaxResult {
  /** max over perturbations of ||Φ(x + δ) − Φ(x)||_F / ||Φ(x)||_F, per example. */
  readonly perExample: Float32Array;
  readonly mean: number;
  readonly samples: number;
  readonly radius: number | null;
  readonly methodCalls: number;
}

function frobenius(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return Math.sqrt(s);
}

/**
 * Max-sensitivity of an explanation (Yeh et al. 2019), as Captum's `sensitivity_max` computes it
 * with its defaults: each example is perturbed `samples` times by noise drawn uniformly from the
 * L-infinity ball of radius 0.02, the method explains each perturbed copy for the same class, and
 * the score is the largest Frobenius norm of the change in the map, divided by the norm of the
 * clean map (by 1 when that is 0). Perturbed copies are explained in calls of at most `batchSize`
 * examples. Lower is better.
 */
export async function sensitivityMax(model: Model, method: Method, input: TensorData, options: SensitivityMaxOptions = {}): Promise<SensitivityMaxResult> {
  const samples = options.samples ?? 10;
  if (!Number.isInteger(samples) || samples < 1) throw new OptionError(`samples must be a positive integer; got ${samples}.`);
  const radius = options.radius ?? 0.02;
  if (!options.perturb && !(radius > 0)) throw new OptionError(`radius must be positive; got ${radius}.`);
  const examples = input.shape[0];
  const size = rowSize(input);
  const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
  const methodOptions = { ...(options.methodOptions ?? {}) } as Record<string, unknown> & CommonOptions;
  let methodCalls = 0;
  const explain = async (rows: TensorData, targets: Int32Array) => {
    methodCalls++;
    const a = await method.attribute(model, rows, { ...methodOptions, target: targets, batchSize, signal: options.signal });
    if (a.examples.length !== rows.shape[0]) throw new ShapeError(`Method '${method.id}' gave ${a.examples.length} maps for ${rows.shape[0]} examples.`);
    return a;
  };

  let clean = options.attribution;
  if (!clean) {
    methodCalls++;
    clean = await method.attribute(model, input, { ...methodOptions, target: options.target ?? 'predicted', batchSize, signal: options.signal });
  }
  if (clean.examples.length !== examples || clean.examples.some((e, i) => e !== i)) {
    throw new ShapeError(`The clean maps are ${clean.examples.length} for ${examples} examples; give one target per example.`);
  }
  const targets = clean.targets;
  const mapSize = clean.values.data.length / examples;
  const norms = Float64Array.from({ length: examples }, (_, e) => frobenius(clean.values.data.subarray(e * mapSize, (e + 1) * mapSize)) || 1);

  const rng = createRng(options.seed ?? 0);
  const perturb =
    options.perturb ??
    ((x, r, out) => {
      for (let i = 0; i < x.length; i++) out[i] = x[i]! + (2 * r.uniform() - 1) * radius;
    });
  const perExample = new Float32Array(examples);
  const total = examples * samples;
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    const rows = new Float32Array((end - start) * size);
    const rowTargets = new Int32Array(end - start);
    for (let i = start; i < end; i++) {
      const e = Math.floor(i / samples);
      perturb(input.data.subarray(e * size, (e + 1) * size), rng, rows.subarray((i - start) * size, (i - start + 1) * size));
      rowTargets[i - start] = targets[e]!;
    }
    const maps = await explain({ data: rows, shape: [end - start, ...input.shape.slice(1)] }, rowTargets);
    if (maps.values.data.length !== (end - start) * mapSize) throw new ShapeError(`Method '${method.id}' gave maps of another size for perturbed inputs.`);
    for (let i = start; i < end; i++) {
      const e = Math.floor(i / samples);
      const map = maps.values.data.subarray((i - start) * mapSize, (i - start + 1) * mapSize);
      const ref = clean.values.data.subarray(e * mapSize, (e + 1) * mapSize);
      let s = 0;
      for (let k = 0; k < mapSize; k++) s += (map[k]! - ref[k]!) ** 2;
      perExample[e] = Math.max(perExample[e]!, Math.sqrt(s) / norms[e]!);
    }
    options.onProgress?.(end, total);
  }
  return { perExample, mean: perExample.reduce((s, v) => s + v, 0) / examples, samples, radius: options.perturb ? null : radius, methodCalls };
}
