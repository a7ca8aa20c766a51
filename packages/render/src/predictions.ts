import { OptionError } from '@salience/core';

export interface RankedClass {
  readonly index: number;
  readonly score: number;
}

/** Softmax with the max subtracted first, so large logits do not overflow. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    total += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}

/** The `k` highest scores, highest first (ties keep the lower index first). */
export function topK(scores: ArrayLike<number>, k: number): RankedClass[] {
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`k must be a positive integer; got ${k}.`);
  const ranked = Array.from(scores, (score, index) => ({ index, score }));
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, k);
}
