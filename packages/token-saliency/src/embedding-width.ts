import type { Model } from '@salience/core';

/** Assumed embedding width when the model does not list its embedding layer (BERT-base is 768). */
export const ASSUMED_EMBEDDING_WIDTH = 256;

const EMBEDDING_KINDS = new Set(['Embedding', 'Gather', 'GatherV2', 'ResourceGather']);

/**
 * Width D of the token embeddings, when `model.layers()` lists an embedding layer with a known
 * last dimension. Only used to size default batches: a row of a model call costs about T x D.
 */
export function embeddingWidth(model: Model): number | undefined {
  let layers: ReturnType<Model['layers']>;
  try {
    layers = model.layers();
  } catch {
    return undefined;
  }
  for (const layer of layers) {
    const width = layer.outputShape[layer.outputShape.length - 1];
    if (EMBEDDING_KINDS.has(layer.kind) && layer.outputShape.length === 3 && typeof width === 'number' && width > 0) return width;
  }
  return undefined;
}
