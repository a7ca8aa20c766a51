import { OptionError } from '@salience/core';
import type { TokenAttribution } from './token-attribution.js';

/** One scored token of a map. */
export interface ScoredToken {
  /** Index of the token in its example. */
  readonly position: number;
  readonly id: number;
  /** The token's string when the call gave `tokens`, else its id as a string. */
  readonly token: string;
  readonly score: number;
}

function checkMap(attribution: TokenAttribution, map: number): number {
  if (attribution.layout !== 'NT') {
    throw new OptionError(`Token scores need one score per token (layout 'NT'); this attribution is '${attribution.layout}'. Call the method without perDimension.`);
  }
  const maps = attribution.values.shape[0]!;
  if (!Number.isInteger(map) || map < 0 || map >= maps) throw new OptionError(`map must be an integer in 0..${maps - 1}; got ${map}.`);
  return attribution.values.shape[1]!;
}

/**
 * The tokens of one map with their scores, in text order, padding left out: ready for
 * `tokensToHtml(scored.map((s) => s.token), scored.map((s) => s.score))` from @salience/render.
 */
export function tokenScores(attribution: TokenAttribution, map: number): ScoredToken[] {
  const length = checkMap(attribution, map);
  const tokens = attribution.tokens?.[map];
  const scored: ScoredToken[] = [];
  for (let t = 0; t < length; t++) {
    const i = map * length + t;
    if (!attribution.mask[i]) continue;
    const id = attribution.ids[i];
    scored.push({ position: t, id: id!, token: (tokens ? tokens[t] : String(id))!, score: attribution.values.data[i]! });
  }
  return scored;
}

export interface TopTokensOptions {
  /** 'value' (default): the highest scores; 'absolute': the largest |score|, for signed scores read either way. */
  readonly by?: 'value' | 'absolute';
}

/** The `k` highest-ranked tokens of one map (padding left out), best first; ties keep text order. */
export function topTokens(attribution: TokenAttribution, map: number, k = 1, options: TopTokensOptions = {}): ScoredToken[] {
  const by = options.by ?? 'value';
  if (by !== 'value' && by !== 'absolute') throw new OptionError(`by must be 'value' or 'absolute'; got '${by as string}'.`);
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`k must be a positive integer; got ${k}.`);
  const key = by === 'absolute' ? (s: ScoredToken) => Math.abs(s.score) : (s: ScoredToken) => s.score;
  return tokenScores(attribution, map)
    .sort((a, b) => key(b) - key(a) || a.position - b.position)
    .slice(0, k);
}
