import type { LayerInfo } from '@salience/core';
import type { Tensor } from './tf-types.js';

/**
 * A point of the forward pass that a request intercepts: a layer's output, or the embeddings.
 * The forward pass hands the point's tensor to `intercept` and continues with what it returns
 * (the same values, perhaps recorded and with a gradient tap on them).
 */
export interface Interception {
  /** Use this tensor instead of computing the point (running from given embeddings). */
  readonly given?: Tensor;
  readonly intercept: (value: Tensor) => Tensor;
}

export interface ForwardHooks {
  readonly layer?: Interception & { readonly name: string };
  readonly embedding?: Interception;
}

/** What the embedding point of a model is, when it has one. */
export interface EmbeddingPoint {
  readonly name: string;
  /** Number of token ids, when the model says (to check ids before running). */
  readonly vocabulary?: number;
  /** Width D of each embedding, when the model says. */
  readonly dimension?: number;
}

/** One kind of tfjs model (LayersModel, GraphModel, function) seen through the same few questions. */
export interface Source {
  readonly kind: 'layers-model' | 'graph-model' | 'function';
  /** The input shape the model declares, `null` for free dimensions; undefined when it says nothing. */
  readonly declaredInputShape: readonly (number | null)[] | undefined;
  readonly declaredInputDtype: 'float32' | 'int32' | undefined;
  /** Number of classes when the model declares it, to check targets before running. */
  readonly classes: number | undefined;
  readonly embedding: EmbeddingPoint | undefined;
  /** Why the model cannot run inside `tf.grads` (control flow), or undefined when it can. */
  readonly notDifferentiable: string | undefined;
  readonly supportsLayers: boolean;
  /** True when no convolution filter depends on the input, so filter gradients are never read. */
  readonly filterGradientsUnused: boolean;
  layers(inputShape: readonly (number | null)[], inputDtype: 'float32' | 'int32'): readonly LayerInfo[];
  /** Throws UnknownLayerError when the model has no such layer. */
  checkLayer(name: string): void;
  /** Runs the model synchronously (inside tidy or tf.grads); returns its output. */
  forward(x: Tensor, hooks: ForwardHooks): Tensor;
  /** Runs the model where it must run asynchronously (graphs with control flow); logits only. */
  forwardAsync?(x: Tensor): Promise<Tensor>;
  /**
   * An independent copy whose named layers have fresh weights drawn from `seed`; absent where the
   * model cannot be copied (functions). Throws UnknownLayerError or OptionError (no weights).
   */
  randomized?(layers: readonly string[], seed: number): RandomizedSource;
}

/** A copy of a source and how to free what the copy alone owns (its weights). */
export interface RandomizedSource {
  readonly source: Source;
  release(): void;
}

/** Both hooks on the same point: the embedding's replacement first, then the layer's recording. */
export function chainInterceptions(first: Interception, second: Interception): Interception {
  return { given: first.given, intercept: (value) => second.intercept(first.intercept(value)) };
}
