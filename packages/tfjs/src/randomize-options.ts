import type { RandomizeOptions } from '@salience/core';
import { OptionError } from '@salience/core';

/** The checked layer names and seed of a `randomizedCopy` call; the seed defaults to 0. */
export function checkRandomizeRequest(layers: readonly string[], options: RandomizeOptions | undefined): { layers: string[]; seed: number } {
  if (!Array.isArray(layers) || layers.some((name) => typeof name !== 'string')) {
    throw new OptionError(`randomizedCopy takes an array of layer names from model.layers(); got ${JSON.stringify(layers)}.`);
  }
  const seed = options?.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new OptionError(`The seed of randomizedCopy must be an integer; got ${seed}.`);
  return { layers: [...new Set(layers)], seed };
}
