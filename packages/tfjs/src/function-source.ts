import { OptionError, UnknownLayerError } from '@salience/core';
import type { ForwardHooks, Source } from './source.js';
import type { Tensor, TfjsFunction } from './tf-types.js';

/** The two halves of a text model written as functions: ids to embeddings, embeddings to logits. */
export interface EmbeddingFunctions {
  /** Token ids [B, T] to embeddings [B, T, D]. */
  readonly embed?: (ids: Tensor) => Tensor;
  /** Embeddings [B, T, D] to logits [B, classes]. */
  readonly fromEmbeddings?: (embeddings: Tensor) => Tensor;
}

function asTensor(value: unknown, what: string): Tensor {
  const maybe = value as Tensor | undefined;
  if (!maybe || typeof maybe !== 'object' || !Array.isArray(maybe.shape) || typeof maybe.dataId !== 'object') {
    throw new Error(`${what} returned ${Array.isArray(value) ? 'an array' : typeof value}; it must return one tf.Tensor.`);
  }
  return maybe;
}

export function functionSource(fn: TfjsFunction, { embed, fromEmbeddings }: EmbeddingFunctions): Source {
  if ((embed === undefined) !== (fromEmbeddings === undefined)) {
    throw new OptionError('Give both embed and fromEmbeddings (ids -> embeddings -> logits), or neither.');
  }
  return {
    kind: 'function',
    declaredInputShape: undefined,
    declaredInputDtype: undefined,
    classes: undefined,
    embedding: embed ? { name: 'embed' } : undefined,
    notDifferentiable: undefined,
    supportsLayers: false,
    filterGradientsUnused: false,
    layers: () => [],
    checkLayer(name: string): void {
      throw new UnknownLayerError(name, []);
    },
    forward(x: Tensor, hooks: ForwardHooks): Tensor {
      if (hooks.embedding && embed && fromEmbeddings) {
        const embeddings = hooks.embedding.given ?? asTensor(embed(x), 'embed(ids)');
        return asTensor(fromEmbeddings(hooks.embedding.intercept(embeddings)), 'fromEmbeddings(embeddings)');
      }
      return asTensor(fn(x), 'The model function');
    },
  };
}
