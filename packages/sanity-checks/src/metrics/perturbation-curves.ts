import type { Model, Objective, TensorData } from '@salience/core';
import { checkBatchSize, createRng, defaultBatchSize, OptionError, objectiveName, rowSize } from '@salience/core';
import type { InputGrid, Maps2d } from './maps.js';
import type { Replacement } from './replacement.js';
import { defaultBlurSigma, replacementOf } from './replacement.js';
import { scoreRows } from './scored-rows.js';

/** What one removed (or inserted) feature is: a pixel (every channel of it), or a square patch. */
export type PerturbationFeatures = 'pixels' | { readonly patch: number };

export interface PerturbationOptions {
  /** Default 'pixels'. A patch's relevance is the sum of its pixels' values. */
  readonly features?: PerturbationFeatures;
  /** Points between none and all features removed; the curve has steps + 1 points. Default 16. */
  readonly steps?: number;
  /** What a removed feature becomes; default 'zero'. */
  readonly replacement?: Replacement;
  /** Gaussian sigma in pixels for 'blur'; default 1/8 of the larger side, at least 1. */
  readonly blurSigma?: number;
  /** Random orders averaged for the baseline curve; default 4. */
  readonly randomOrders?: number;
  /** The score followed along the curve; default 'probability' of the target (as RISE does). */
  readonly objective?: Objective;
  /** Order features by the map's value (default: positive evidence first) or by its absolute value. */
  readonly rankBy?: 'value' | 'absolute';
  /** Seed of the random orders; default 0. */
  readonly seed?: number;
  /** Most rows per model call; default from the input size. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A curve averaged over examples, with the area under it (trapezoid rule over the fractions). */
export interface Curve {
  /** Share of features removed (deletion) or inserted (insertion) at each point, 0 to 1. */
  readonly fractions: Float32Array;
  /** Mean score over examples at each point. */
  readonly scores: Float32Array;
  /** Area under the mean curve (equal to the mean of the examples' areas). */
  readonly auc: number;
  readonly aucPerExample: Float32Array;
}

/** Curves for three orders: most relevant first, least relevant first, random (averaged). */
export interface CurveSet {
  readonly most: Curve;
  readonly least: Curve;
  readonly random: Curve;
}

export interface PerturbationCurves {
  /** Features removed from the input, replaced by the replacement. */
  readonly deletion: CurveSet;
  /** Features inserted into the replacement, taken from the input. */
  readonly insertion: CurveSet;
  readonly features: number;
  readonly featureKind: PerturbationFeatures;
  readonly steps: number;
  readonly replacement: Replacement;
  readonly blurSigma: number | null;
  readonly randomOrders: number;
  readonly objective: string;
  readonly rankBy: 'value' | 'absolute';
  readonly modelCalls: number;
  readonly modelRows: number;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer; got ${value}.`);
  return value;
}

/** The positions (pixel indices) of each feature. */
function featurePositions(grid: InputGrid, features: PerturbationFeatures): Int32Array[] {
  if (features === 'pixels') return Array.from({ length: grid.height * grid.width }, (_, p) => Int32Array.of(p));
  const patch = features && typeof features === 'object' ? features.patch : Number.NaN;
  positiveInteger(patch, 'features.patch');
  const out: Int32Array[] = [];
  for (let top = 0; top < grid.height; top += patch) {
    for (let left = 0; left < grid.width; left += patch) {
      const positions: number[] = [];
      for (let y = top; y < Math.min(grid.height, top + patch); y++) for (let x = left; x < Math.min(grid.width, left + patch); x++) positions.push(y * grid.width + x);
      out.push(Int32Array.from(positions));
    }
  }
  return out;
}

/** A seed for example `e`'s random orders, mixed so that neighbouring examples are unrelated. */
function exampleSeed(seed: number, e: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(e + 1, 0x85ebca6b)) >>> 0;
}

function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let area = 0;
  for (let i = 0; i + 1 < x.length; i++) area += ((x[i + 1]! - x[i]!) * (y[i]! + y[i + 1]!)) / 2;
  return area;
}

/**
 * Deletion and insertion curves (Samek et al. 2017's MoRF/LeRF, Petsiuk et al. 2018's RISE
 * metrics): features are removed from each example (deletion), or inserted into its replacement
 * (insertion), in the order of the example's map (most relevant first, least relevant first) and
 * in random orders, and the target's score is recorded at `steps + 1` points. The rows of all
 * curves are generated one batch at a time, so memory does not grow with examples or steps.
 */
export async function perturbationCurves(
  model: Model,
  input: TensorData,
  grid: InputGrid,
  maps: Maps2d,
  targets: Int32Array,
  options: PerturbationOptions = {},
): Promise<PerturbationCurves> {
  const steps = positiveInteger(options.steps ?? 16, 'steps');
  const randomOrders = positiveInteger(options.randomOrders ?? 4, 'randomOrders');
  const replacement = options.replacement ?? 'zero';
  const rankBy = options.rankBy ?? 'value';
  if (rankBy !== 'value' && rankBy !== 'absolute') throw new OptionError(`rankBy must be 'value' or 'absolute'; got ${JSON.stringify(rankBy)}.`);
  const featureKind = options.features ?? 'pixels';
  const features = featurePositions(grid, featureKind);
  const featureCount = features.length;
  const blurSigma = replacement === 'blur' ? (options.blurSigma ?? defaultBlurSigma(grid)) : null;
  const baseline = replacementOf(input, grid, replacement, blurSigma ?? undefined);
  const size = rowSize(input);
  const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
  const examples = input.shape[0]!;
  const seed = options.seed ?? 0;

  const orders = 2 + randomOrders;
  const interior = steps - 1;
  // Per example: the input and its replacement (the ends of every curve), then the interior points
  // of each (kind, order) curve.
  const rowsPerExample = 2 + 2 * orders * interior;
  const counts = Int32Array.from({ length: steps + 1 }, (_, s) => Math.round((s * featureCount) / steps));

  let cachedExample = -1;
  let cachedOrders: Int32Array[] = [];
  const ordersOf = (e: number): Int32Array[] => {
    if (e === cachedExample) return cachedOrders;
    const positions = maps.height * maps.width;
    const map = (rankBy === 'value' ? maps.signed : maps.absolute).subarray(e * positions, (e + 1) * positions);
    const relevance = Float64Array.from(features, (f) => f.reduce((s, p) => s + map[p]!, 0));
    const byIndex = Array.from({ length: featureCount }, (_, f) => f);
    const most = Int32Array.from([...byIndex].sort((a, b) => relevance[b]! - relevance[a]! || a - b));
    const least = Int32Array.from([...byIndex].sort((a, b) => relevance[a]! - relevance[b]! || a - b));
    const rng = createRng(exampleSeed(seed, e));
    const random = Array.from({ length: randomOrders }, () => {
      const order = Int32Array.from(byIndex);
      for (let i = featureCount - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return order;
    });
    cachedExample = e;
    cachedOrders = [most, least, ...random];
    return cachedOrders;
  };

  const fill = (index: number, out: Float32Array) => {
    const e = Math.floor(index / rowsPerExample);
    const r = index % rowsPerExample;
    const x = input.data.subarray(e * size, (e + 1) * size);
    const b = baseline.data.subarray(e * size, (e + 1) * size);
    if (r < 2) {
      out.set(r === 0 ? x : b);
      return;
    }
    const j = r - 2;
    const deletion = j < orders * interior;
    const rest = j % (orders * interior);
    const order = ordersOf(e)[Math.floor(rest / interior)]!;
    const k = counts[1 + (rest % interior)]!;
    const [start, other] = deletion ? [x, b] : [b, x];
    out.set(start);
    for (let f = 0; f < k; f++) {
      for (const p of features[order[f]!]!) for (let c = 0; c < grid.channels; c++) out[grid.offset(p, c)] = other[grid.offset(p, c)]!;
    }
  };

  const total = examples * rowsPerExample;
  const { scores, modelCalls } = await scoreRows(model, {
    total,
    rowShape: input.shape.slice(1),
    fill,
    targetOf: (index) => targets[Math.floor(index / rowsPerExample)]!,
    objective: options.objective ?? 'probability',
    batchSize,
    signal: options.signal,
    onBatch: options.onProgress,
  });

  const fractions = Float32Array.from(counts, (k) => k / featureCount);
  /** Curve (kind, order slot) of example e; order slots 2.. are the random orders. */
  const curveOf = (e: number, deletion: boolean, slot: number): Float32Array => {
    const base = e * rowsPerExample;
    const y = new Float32Array(steps + 1);
    y[0] = scores[base + (deletion ? 0 : 1)]!;
    y[steps] = scores[base + (deletion ? 1 : 0)]!;
    const offset = base + 2 + (deletion ? 0 : orders * interior) + slot * interior;
    for (let s = 1; s < steps; s++) y[s] = scores[offset + s - 1]!;
    return y;
  };
  const curve = (deletion: boolean, slots: readonly number[]): Curve => {
    const mean = new Float64Array(steps + 1);
    const aucPerExample = new Float32Array(examples);
    for (let e = 0; e < examples; e++) {
      const y = new Float64Array(steps + 1);
      for (const slot of slots) {
        const c = curveOf(e, deletion, slot);
        for (let s = 0; s <= steps; s++) y[s]! += c[s]! / slots.length;
      }
      aucPerExample[e] = trapezoid(fractions, y);
      for (let s = 0; s <= steps; s++) mean[s]! += y[s]! / examples;
    }
    return { fractions, scores: Float32Array.from(mean), auc: trapezoid(fractions, mean), aucPerExample };
  };
  const randomSlots = Array.from({ length: randomOrders }, (_, r) => 2 + r);
  const set = (deletion: boolean): CurveSet => ({ most: curve(deletion, [0]), least: curve(deletion, [1]), random: curve(deletion, randomSlots) });
  return {
    deletion: set(true),
    insertion: set(false),
    features: featureCount,
    featureKind,
    steps,
    replacement,
    blurSigma,
    randomOrders,
    objective: objectiveName(options.objective ?? 'probability'),
    rankBy,
    modelCalls,
    modelRows: total,
  };
}
