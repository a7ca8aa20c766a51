import { OptionError } from '@salience/core';
import type { Maps2d } from './maps.js';
import { spearman } from './spearman.js';
import { ssim } from './ssim.js';
import { topKIntersection } from './top-k.js';

/** How alike two sets of maps are, averaged over the maps (1: the same ranking or structure). */
export interface Similarity {
  /** Spearman rank correlation of the absolute maps (Adebayo et al.'s main measure). */
  readonly spearmanAbs: number;
  /** Spearman rank correlation of the signed maps. */
  readonly spearmanSigned: number;
  /** SSIM of the absolute maps, each min-max scaled to [0, 1]. */
  readonly ssim: number;
  /** Share of the top-k positions (by absolute value) that both maps have. */
  readonly topK: number;
}

export const SIMILARITY_MEASURES: readonly (keyof Similarity)[] = ['spearmanAbs', 'spearmanSigned', 'ssim', 'topK'];

/** Per-map values of each measure. */
export interface SimilarityDetail {
  readonly mean: Similarity;
  readonly perMap: { readonly [K in keyof Similarity]: Float32Array };
}

export interface SimilarityOptions {
  /** k of the top-k intersection as a share of the positions; default 0.1. */
  readonly topKFraction?: number;
}

export function checkTopKFraction(fraction: number | undefined): number {
  const f = fraction ?? 0.1;
  if (!(f > 0 && f <= 1)) throw new OptionError(`topKFraction must be in (0, 1]; got ${f}.`);
  return f;
}

function minMax(map: Float32Array): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  return Float64Array.from(map, (v) => (v - lo) * scale);
}

/** Compares maps `a[i]` with `b[i]` for every i. */
export function mapSimilarity(a: Maps2d, b: Maps2d, options: SimilarityOptions = {}): SimilarityDetail {
  if (a.count !== b.count || a.height !== b.height || a.width !== b.width) {
    throw new RangeError(`Cannot compare ${a.count} maps of ${a.height} x ${a.width} with ${b.count} of ${b.height} x ${b.width}.`);
  }
  const positions = a.height * a.width;
  const k = Math.max(1, Math.round(checkTopKFraction(options.topKFraction) * positions));
  const perMap = {
    spearmanAbs: new Float32Array(a.count),
    spearmanSigned: new Float32Array(a.count),
    ssim: new Float32Array(a.count),
    topK: new Float32Array(a.count),
  };
  for (let m = 0; m < a.count; m++) {
    const slice = (x: Float32Array) => x.subarray(m * positions, (m + 1) * positions);
    const absA = slice(a.absolute);
    const absB = slice(b.absolute);
    perMap.spearmanAbs[m] = spearman(absA, absB);
    perMap.spearmanSigned[m] = spearman(slice(a.signed), slice(b.signed));
    perMap.ssim[m] = ssim(minMax(absA), minMax(absB), a.height, a.width, 1);
    perMap.topK[m] = topKIntersection(absA, absB, k);
  }
  const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
  return {
    mean: { spearmanAbs: mean(perMap.spearmanAbs), spearmanSigned: mean(perMap.spearmanSigned), ssim: mean(perMap.ssim), topK: mean(perMap.topK) },
    perMap,
  };
}
