import { type BackwardRuleKind, CapabilityError, type Model } from '@salience/core';

/**
 * Throws a CapabilityError before any work when the model cannot apply the backward rules a
 * method needs (only adapters that build their own backward graph can, e.g. @salience/onnx).
 */
export function assertBackwardRules(model: Model, kinds: readonly BackwardRuleKind[], id: string): void {
  const missing = kinds.filter((k) => !model.backwardRules?.has(k));
  if (missing.length === 0) return;
  const has = [...(model.backwardRules ?? [])].join(', ') || 'none';
  throw new CapabilityError(
    `The '${id}' method replaces backward rules (${missing.join(', ')}), which this model cannot apply (it applies: ${has}). ` +
      'Load the model with @salience/onnx (fromOnnx), whose gradient graph salience builds itself.',
    missing.map((k) => `backward:${k}`),
  );
}
