import { GradientsUnavailableError } from '@salience/core';
import type { TfNamespace } from './tf-types.js';

/** Kernels whose gradients every registration (tfjs-layers, the umbrella package, register_all_gradients) includes. */
const PROBE_KERNELS = ['Add', 'Multiply', 'BatchMatMul', 'Relu'] as const;

/**
 * Whether TensorFlow.js can differentiate: the Node build of @tensorflow/tfjs-core registers no
 * gradients, while @tensorflow/tfjs, @tensorflow/tfjs-layers and tfjs-node register them all.
 */
export function gradientsRegistered(tf: Pick<TfNamespace, 'getGradient'>): boolean {
  return PROBE_KERNELS.every((kernel) => tf.getGradient(kernel) !== undefined);
}

export function noGradientsError(): GradientsUnavailableError {
  return new GradientsUnavailableError(
    "TensorFlow.js has no gradients registered (the Node build of @tensorflow/tfjs-core registers none), so this model only gives 'logits'. " +
      "Add `import '@tensorflow/tfjs'` (or `import '@tensorflow/tfjs-core/dist/register_all_gradients'`) before calling fromTfjs.",
  );
}
