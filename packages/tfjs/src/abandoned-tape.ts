import type { Tensor, TfNamespace } from './tf-types.js';

interface EngineWithTape {
  readonly state?: {
    gradientDepth?: number;
    activeTape?: { readonly saved?: readonly Tensor[] }[] | null;
  };
}

/**
 * When a model throws inside `tf.grads`, tfjs leaves the gradient tape behind with the tensors
 * it saved for the backward pass (kept clones that no tidy frees). This releases them, unless the
 * failure happened inside a caller's own gradient computation, whose tape is still in use.
 */
export function releaseAbandonedTape(tf: Pick<TfNamespace, 'engine'>): void {
  const state = (tf.engine() as unknown as EngineWithTape).state;
  if (state?.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) {
    for (const tensor of node.saved ?? []) tensor.dispose();
  }
  state.activeTape = null;
}
