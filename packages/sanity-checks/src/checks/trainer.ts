import type { Model } from '@salience/core';

/**
 * Trains the model's architecture from scratch on the training inputs with the given labels (one
 * class per training example) and returns the trained model, which the caller disposes. The label
 * randomisation check calls it with shuffled labels (and, when asked, with the true ones).
 */
export type Trainer = (labels: Int32Array, options: { readonly signal?: AbortSignal }) => Promise<Model>;
