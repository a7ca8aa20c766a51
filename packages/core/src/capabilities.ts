import { CapabilityError, GradientsUnavailableError } from './errors.js';
import type { Model, OutputName } from './model.js';
import { GRADIENT_OUTPUTS } from './model.js';
import { checkPluginCompatibility } from './plugin.js';

/**
 * Fails before any work, naming every output that the model cannot give and what to do about it.
 * Every method calls it first, so it is also where an adapter built for another major of core is
 * reported (a warning, once per adapter version).
 */
export function assertCapabilities(model: Pick<Model, 'capabilities' | 'plugin'> & { readonly gradientError?: Error }, required: readonly OutputName[], who = 'This method'): void {
  checkPluginCompatibility(model);
  const missing = required.filter((r) => !model.capabilities.has(r));
  if (missing.length === 0) return;
  const needsGradients = missing.some((m) => GRADIENT_OUTPUTS.includes(m));
  // An adapter that knows why it cannot differentiate (fromOnnx's `gradientError`) names the op.
  if (needsGradients && model.gradientError instanceof GradientsUnavailableError) throw model.gradientError;
  const hint = needsGradients
    ? " The model cannot be differentiated as it is (an op without a gradient rule, or a runtime without gradients; the adapter's README says how to supply them). Use a forward-only method such as occlusion, or make the model differentiable."
    : '';
  throw new CapabilityError(
    `${who} needs ${missing.join(', ')}, which this model does not provide (it provides: ${[...model.capabilities].join(', ') || 'nothing'}).${hint}`,
    missing,
  );
}
