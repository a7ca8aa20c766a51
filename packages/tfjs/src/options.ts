import type { Layout } from '@salience/core';
import type { EmbeddingFunctions } from './function-source.js';

export interface TfjsModelOptions extends EmbeddingFunctions {
  /**
   * How the input is laid out. Defaults: 'tokens' when the model has an embedding point or takes
   * int32 ids, 'NC' for other rank-2 inputs, 'NHWC' for rank-4 inputs. A rank-4 shape that looks
   * channels-first ([B, 3, 32, 32]) must be declared; other ranks too.
   */
  readonly layout?: Layout;
  /** The input shape with `null` for the batch; required for functions, an override otherwise. */
  readonly inputShape?: readonly (number | null)[];
  /** LayersModel: the name of the Embedding layer (found alone when the model has exactly one).
   *  GraphModel: the name of the node whose output is the token embeddings [B, T, D]. */
  readonly embeddingLayer?: string;
  /** GraphModel: the node that gives the logits, for graphs with several outputs. */
  readonly output?: string;
  /** The dtype the input is fed in; default: the model's, else 'int32' for tokens, else 'float32'. */
  readonly inputDtype?: 'float32' | 'int32';
  /**
   * tfjs computes the gradient of every convolution's filter during backpropagation (its fused
   * Conv2D with a bias returns all gradients at once), although input and layer gradients never
   * read them; it is most of the cost of the backward pass. When true, those kernels return zeros
   * during the adapter's own backward pass. Default: true for LayersModels and for GraphModels
   * whose filters are constants, false for functions (whose filters might come from the input).
   * Set false for a LayersModel with custom layers that compute filters from their input.
   */
  readonly skipFilterGradients?: boolean;
  /**
   * Some backends lack kernels that only backpropagation uses (wasm: depthwise convolutions'
   * input gradient, Conv2DBackpropFilter, UnsortedSegmentSum). By default the adapter registers
   * the missing ones on the active backend as bridges to the cpu backend's kernels. `false`
   * leaves the kernel registry alone, and such gradients fail with a ModelError instead.
   */
  readonly cpuKernelFallback?: boolean;
}
