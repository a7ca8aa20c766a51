import { type BackwardRuleKind, CapabilityError, type Model } from '@salience/core';

/**
 * Throws a CapabilityError before any work when the model cannot apply the backward rules a
 * method needs (@salience/onnx applies every rule; @salience/tfjs, all but LRP's).
 */
export function assertBackwardRules(model: Model, kinds: readonly BackwardRuleKind[], id: string): void {
  const missing = kinds.filter((k) => !model.backwardRules?.has(k));
  if (missing.length === 0) return;
  const has = [...(model.backwardRules ?? [])].join(', ') || 'none';
  throw new CapabilityError(
    `The '${id}' method replaces backward rules (${missing.join(', ')}), which this model cannot apply (it applies: ${has}). ` +
      'Load the model with @salience/onnx (fromOnnx), whose gradient graph salience builds itself, and applies every rule ' +
      '(a TensorFlow.js model: export it to ONNX with tf2onnx). A TensorFlow.js model through @salience/tfjs applies the ReLU and rescale rules, not LRP: ' +
      'guided-backprop, deconvnet, deep-lift and guided-grad-cam run on it.',
    missing.map((k) => `backward:${k}`),
  );
}
