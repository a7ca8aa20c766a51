import { OptionError, ShapeError, sizeOf, type TensorData } from '@salience/core';

/**
 * Which statistic of the noisy maps is returned:
 * - 'mean': SmoothGrad (Smilkov et al. 2017), Captum's `smoothgrad`;
 * - 'mean-of-squares': SmoothGrad-squared, Captum's `smoothgrad_sq`;
 * - 'variance': VarGrad (Adebayo et al. 2018), E[a^2] - E[a]^2, Captum's `vargrad`.
 */
export type SmoothGradStatistic = 'mean' | 'mean-of-squares' | 'variance';

export const SMOOTHGRAD_STATISTICS: readonly SmoothGradStatistic[] = ['mean', 'mean-of-squares', 'variance'];

/**
 * Standard deviation of the Gaussian noise: an absolute value (Captum's `stdevs`), or
 * `{ relative }`, a fraction of each example's value range, max - min (PAIR's noise level).
 */
export type NoiseStdev = number | { readonly relative: number };

/**
 * The wrapper's own options. Every other option of a call goes to the inner method untouched,
 * so an inner method should not use these names.
 */
export interface SmoothGradOptions {
  /** Default 'mean'. */
  readonly statistic?: SmoothGradStatistic;
  /** Noisy copies per example; default 25 (PAIR's default; Captum's NoiseTunnel uses 5). */
  readonly samples?: number;
  /** Default `{ relative: 0.15 }` (PAIR); Captum's NoiseTunnel uses 1.0, absolute. */
  readonly stdev?: NoiseStdev;
  /** Clamp every noisy input to [low, high], e.g. [0, 1] for images; off by default. */
  readonly clamp?: readonly [number, number];
  /**
   * The noise itself, [samples, batch, ...input dims] in the model's layout, instead of drawing
   * it: for parity with noise drawn elsewhere. Excludes `stdev`; `samples`, if given, must match.
   */
  readonly noise?: TensorData;
}

/** Names that the wrapper keeps for itself instead of passing them to the inner method. */
export const SMOOTHGRAD_OPTION_KEYS = ['statistic', 'samples', 'stdev', 'clamp', 'noise'] as const;

export const DEFAULT_SAMPLES = 25;
export const DEFAULT_STDEV: NoiseStdev = { relative: 0.15 };

/** The noise and statistic of one call, checked. */
export interface NoisePlan {
  readonly statistic: SmoothGradStatistic;
  readonly samples: number;
  /** Absent when the noise is given explicitly. */
  readonly stdev?: NoiseStdev;
  readonly clamp?: readonly [number, number];
  readonly noise?: TensorData;
  readonly seed: number;
}

export function checkStatistic(statistic: string): SmoothGradStatistic {
  if (!SMOOTHGRAD_STATISTICS.includes(statistic as SmoothGradStatistic)) {
    throw new OptionError(`Unknown SmoothGrad statistic '${statistic}'; use one of ${SMOOTHGRAD_STATISTICS.join(', ')}.`);
  }
  return statistic as SmoothGradStatistic;
}

function checkSamples(samples: number): number {
  if (!Number.isInteger(samples) || samples < 1) throw new OptionError(`samples must be a positive integer; got ${samples}.`);
  return samples;
}

function checkStdev(stdev: NoiseStdev): NoiseStdev {
  if (typeof stdev === 'number') {
    if (!Number.isFinite(stdev) || stdev < 0) {
      throw new OptionError(`stdev must be a finite number >= 0 (absolute), or { relative: level }; got ${stdev}.`);
    }
    return stdev;
  }
  const level = typeof stdev === 'object' && stdev !== null ? stdev.relative : undefined;
  if (typeof level !== 'number' || !Number.isFinite(level) || level < 0) {
    throw new OptionError(
      `stdev must be a finite number >= 0 (absolute), or { relative: level } with a level >= 0 (0.15 = 15% of each example's value range); got ${JSON.stringify(stdev)}.`,
    );
  }
  return { relative: level };
}

function checkClamp(clamp: readonly [number, number]): readonly [number, number] {
  const ok = Array.isArray(clamp) && clamp.length === 2 && clamp.every(Number.isFinite) && clamp[0] <= clamp[1];
  if (!ok) throw new OptionError(`clamp must be [low, high] with finite low <= high; got ${JSON.stringify(clamp)}.`);
  return [clamp[0], clamp[1]];
}

function checkNoise(noise: TensorData, inputShape: readonly number[]): TensorData {
  const want = [null, ...inputShape];
  const shape = noise?.shape;
  const fits = Array.isArray(shape) && shape.length === want.length && want.every((d, i) => d === null || d === shape[i]);
  if (!fits) {
    throw new ShapeError(
      `noise has shape [${shape?.join(', ')}]; expected [samples, ${inputShape.join(', ')}]: one noise tensor per sample for the whole input, in the model's layout.`,
    );
  }
  if (shape[0] < 1) throw new ShapeError('noise holds no samples; give at least one.');
  if (!(noise.data instanceof Float32Array) || noise.data.length !== sizeOf(shape)) {
    throw new ShapeError(`noise data must be a Float32Array of ${sizeOf(shape)} values for shape [${shape.join(', ')}].`);
  }
  for (let i = 0; i < noise.data.length; i++) {
    if (!Number.isFinite(noise.data[i])) throw new ShapeError(`noise value ${i} is ${noise.data[i]}; noise must be finite.`);
  }
  return noise;
}

/** Merges the call's options over the wrapper's defaults and checks them against the input. */
export function planNoise(defaults: SmoothGradOptions, call: SmoothGradOptions & { readonly seed?: number }, inputShape: readonly number[]): NoisePlan {
  const merged = { ...defaults, ...definedOnly(call) };
  const statistic = checkStatistic(merged.statistic ?? 'mean');
  const clamp = merged.clamp === undefined ? undefined : checkClamp(merged.clamp);
  const seed = call.seed ?? 0;
  if (!Number.isFinite(seed)) throw new OptionError(`seed must be a finite number; got ${seed}.`);
  if (merged.noise !== undefined) {
    const noise = checkNoise(merged.noise, inputShape);
    if (merged.stdev !== undefined) {
      throw new OptionError('Give either noise (explicit samples) or stdev (noise to draw), not both.');
    }
    if (merged.samples !== undefined && merged.samples !== noise.shape[0]) {
      throw new OptionError(`samples is ${merged.samples} but the given noise holds ${noise.shape[0]} samples; leave samples out.`);
    }
    return { statistic, samples: noise.shape[0]!, clamp, noise, seed };
  }
  const samples = checkSamples(merged.samples ?? DEFAULT_SAMPLES);
  const stdev = checkStdev(merged.stdev ?? DEFAULT_STDEV);
  return { statistic, samples, stdev, clamp, seed };
}

/** Keys set to `undefined` in a call do not erase the wrapper's defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of SMOOTHGRAD_OPTION_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
