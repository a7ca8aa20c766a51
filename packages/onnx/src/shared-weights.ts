import { externalizeWeights } from '@salience/onnx-autodiff';
import type { ExternalDataFile } from './external-data.js';
import type { SessionOptions } from './ort-types.js';

/** The external data "file" that the weights of a model opened by fromOnnx point at: the model's own bytes. */
export const MODEL_BYTES_LOCATION = 'salience_model_bytes';

/** A model's bytes without its large weights, and the bytes that hold them. */
export interface SharedWeights {
  /** The model with every initializer of 1 kB or more pointing into `weights.data` (a few hundred kB for a 66M-parameter transformer). */
  readonly bytes: Uint8Array;
  /** The original model bytes, handed to every session as external data. */
  readonly weights: ExternalDataFile | undefined;
}

/**
 * Opens a model for building graphs without copying its weights: every graph built from the small
 * model (gradients, kept tensors, embeddings fed in) is serialised without them, and every session
 * reads them from the original bytes, given once as external data. Before this, each extended graph
 * re-serialised the whole model (268 MB for DistilBERT-base) and onnxruntime parsed it again.
 */
export function sharedWeights(model: Uint8Array): SharedWeights {
  const lean = externalizeWeights(model, { location: MODEL_BYTES_LOCATION });
  return lean ? { bytes: lean, weights: { path: MODEL_BYTES_LOCATION, data: model } } : { bytes: model, weights: undefined };
}

/** The session options with the model bytes added to their external data. */
export function withSharedWeights(options: SessionOptions | undefined, weights: ExternalDataFile | undefined): SessionOptions | undefined {
  if (!weights) return options;
  return { ...options, externalData: [...(options?.externalData ?? []), weights] };
}
