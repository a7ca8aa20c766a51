import type { Layout } from '@salience/core';
import { OptionError } from '@salience/core';

const RANK_OF: Record<Layout, number> = { NHWC: 4, NCHW: 4, NC: 2, tokens: 2 };

/** Shapes like [B, 3, 32, 32]: a small second axis and a large last one. */
function looksChannelsFirst(shape: readonly (number | null)[]): boolean {
  const [, second, , last] = shape as [number, number, number, number];
  return second !== null && second <= 4 && (last === null || last > 4);
}

/**
 * The layout of the model's input: the declared one (checked against the rank), 'tokens' for
 * models with embeddings or integer inputs, 'NC' for other rank-2 inputs, 'NHWC' (tfjs's
 * convention) for rank-4 inputs unless the shape looks channels-first, when it must be declared.
 */
export function resolveLayout(declared: Layout | undefined, inputShape: readonly (number | null)[], hasEmbeddings: boolean, inputDtype: 'float32' | 'int32' | undefined): Layout {
  const rank = inputShape.length;
  if (declared !== undefined) {
    if (!(declared in RANK_OF)) throw new OptionError(`Unknown layout '${declared}'; use 'NHWC', 'NCHW', 'NC' or 'tokens'.`);
    if (RANK_OF[declared] !== rank) {
      throw new OptionError(`Layout '${declared}' needs inputs of rank ${RANK_OF[declared]}, but the input shape [${inputShape.map(String)}] has rank ${rank}.`);
    }
    return declared;
  }
  if (hasEmbeddings || (rank === 2 && inputDtype === 'int32')) {
    if (rank !== 2) throw new OptionError(`Token models take ids of shape [batch, tokens], but the input shape is [${inputShape.map(String)}].`);
    return 'tokens';
  }
  if (rank === 2) return 'NC';
  if (rank === 4) {
    if (looksChannelsFirst(inputShape)) {
      throw new OptionError(`The input shape [${inputShape.map(String)}] looks channels-first, but tfjs models are usually channels-last; declare layout: 'NCHW' or 'NHWC'.`);
    }
    return 'NHWC';
  }
  throw new OptionError(`Inputs of rank ${rank} have no default layout; declare one of 'NHWC', 'NCHW', 'NC' or 'tokens' (layout option).`);
}
