import { type CommonOptions, OptionError, type OutputName } from '@salience/core';
import { checkSteps, DEFAULT_STEPS, QUADRATURES, type Quadrature } from '@salience/integrated-gradients';

/**
 * How a token's embedding gradient becomes one score:
 * - 'grad-l2': ||d objective / d e_t||, the L2 norm over the embedding dimension (unsigned);
 * - 'grad-x-embedding': sum over the dimension of e_t * d objective / d e_t (signed);
 * - 'integrated-gradients': integrated gradients along the straight path from baseline
 *   embeddings to the input's, summed over the dimension (signed).
 */
export type TokenScore = 'grad-l2' | 'grad-x-embedding' | 'integrated-gradients';

export const TOKEN_SCORES: readonly TokenScore[] = ['grad-l2', 'grad-x-embedding', 'integrated-gradients'];

export interface TokenSaliencyOptions {
  /** Default 'grad-x-embedding' for `tokenSaliency`. */
  readonly score?: TokenScore;
  /**
   * The padding id. Positions holding it get score 0 and mask 0 in the result, and integrated
   * gradients keep them as padding in the baseline. No default: without it nothing is masked.
   */
  readonly padTokenId?: number;
  /** The token strings of each example ([B][T]), carried into the result; optional. */
  readonly tokens?: readonly (readonly string[])[];
  /**
   * Return the values before the reduction over the embedding dimension, [maps, T, D] (layout
   * 'NTD'): the gradient for 'grad-l2', gradient x embedding, or the integrated gradients of each
   * coordinate. Default false: one score per token, [maps, T] (layout 'NT').
   */
  readonly perDimension?: boolean;
  /** Integrated gradients: the token id of the baseline; default `padTokenId`. */
  readonly baselineTokenId?: number;
  /**
   * Integrated gradients: ids kept as they are in the baseline instead of being replaced by
   * `baselineTokenId`, e.g. [CLS] and [SEP]; default none (the pad id is always kept).
   */
  readonly keepInBaseline?: readonly number[];
  /** Integrated gradients: points on the path; default 50 (Captum's `n_steps`), at most 10,000 unless `limits` raises it. */
  readonly steps?: number;
  /** Integrated gradients: default 'gauss-legendre' (Captum's default). */
  readonly quadrature?: Quadrature;
  /** Integrated gradients: reproduce Captum's `riemann_trapezoid`, whose weights sum to (n - 1)/n; default false. */
  readonly captumTrapezoid?: boolean;
}

/** The options a token method takes besides `CommonOptions`. */
export const TOKEN_SALIENCY_OPTION_KEYS: readonly (keyof TokenSaliencyOptions)[] = [
  'score',
  'padTokenId',
  'tokens',
  'perDimension',
  'baselineTokenId',
  'keepInBaseline',
  'steps',
  'quadrature',
  'captumTrapezoid',
];

/** The options of one call, checked, with their defaults. */
export interface TokenSettings {
  readonly score: TokenScore;
  readonly padTokenId?: number;
  readonly perDimension: boolean;
  readonly baselineTokenId?: number;
  readonly keepInBaseline: readonly number[];
  readonly steps: number;
  readonly quadrature: Quadrature;
  readonly captumTrapezoid: boolean;
}

function checkTokenId(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OptionError(`${name} must be a token id (a non-negative integer); got ${String(value)}.`);
  }
  return value;
}

function checkFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new OptionError(`${name} must be true or false; got ${String(value)}.`);
  return value;
}

export function readSettings(options: TokenSaliencyOptions & CommonOptions, defaultScore: TokenScore): TokenSettings {
  const score = options.score ?? defaultScore;
  if (!TOKEN_SCORES.includes(score)) throw new OptionError(`Unknown token score '${score}'; use one of ${TOKEN_SCORES.join(', ')}.`);
  const padTokenId = checkTokenId(options.padTokenId, 'padTokenId');
  const perDimension = checkFlag(options.perDimension, 'perDimension');
  const ig = score === 'integrated-gradients';
  const igOnly = (['baselineTokenId', 'keepInBaseline', 'steps', 'quadrature', 'captumTrapezoid'] as const).filter((k) => options[k] !== undefined);
  if (!ig && igOnly.length > 0) {
    throw new OptionError(`${igOnly.join(', ')} only apply to score 'integrated-gradients'; this call uses '${score}'.`);
  }
  const baselineTokenId = checkTokenId(options.baselineTokenId, 'baselineTokenId') ?? padTokenId;
  if (ig && baselineTokenId === undefined) {
    throw new OptionError('Integrated gradients needs a baseline token: give padTokenId (the baseline defaults to it) or baselineTokenId.');
  }
  const keepInBaseline = options.keepInBaseline ?? [];
  if (!Array.isArray(keepInBaseline)) throw new OptionError('keepInBaseline must be an array of token ids.');
  for (const [i, id] of keepInBaseline.entries()) checkTokenId(id, `keepInBaseline[${i}]`);
  const quadrature = options.quadrature ?? 'gauss-legendre';
  if (!QUADRATURES.includes(quadrature)) throw new OptionError(`Unknown quadrature '${quadrature}'; use one of ${QUADRATURES.join(', ')}.`);
  const steps = checkSteps(options.steps ?? DEFAULT_STEPS, quadrature, options.limits);
  const captumTrapezoid = checkFlag(options.captumTrapezoid, 'captumTrapezoid');
  if (captumTrapezoid && quadrature !== 'riemann-trapezoid') {
    throw new OptionError(`captumTrapezoid only applies to quadrature 'riemann-trapezoid'; this call uses '${quadrature}'.`);
  }
  return { score, padTokenId, perDimension, baselineTokenId, keepInBaseline, steps, quadrature, captumTrapezoid };
}

/** The model outputs that a score needs. */
export function outputsFor(score: TokenScore): OutputName[] {
  switch (score) {
    case 'grad-l2':
      return ['embeddingGradients'];
    case 'grad-x-embedding':
      return ['embeddings', 'embeddingGradients'];
    case 'integrated-gradients':
      return ['logits', 'embeddings', 'embeddingGradients'];
  }
}
