import type { Model } from './model.js';
import { checkContextRows } from './request-plan.js';
import type { TensorData } from './tensor.js';
import { gatherRows } from './tensor.js';

/** Companion inputs by name, batch first. */
export type Context = Readonly<Record<string, TensorData>>;

/**
 * The companions of the caller's real examples: what the model derives (`model.contextOf`), overridden
 * by what the caller gives. Resolved once per call, before any baseline, noise or occlusion exists, so
 * that every perturbed row keeps its example's mask. Undefined when there is none.
 */
export function resolveContext(model: Model, input: TensorData, given: Context | undefined): Context | undefined {
  if (given !== undefined) checkContextRows(given, input.shape[0]!);
  const context: Record<string, TensorData> = { ...model.contextOf?.(input), ...given };
  if (Object.keys(context).length === 0) return undefined;
  // Derived rows are checked too: a model's contextOf is user code as much as the caller's rows.
  checkContextRows(context, input.shape[0]!);
  return context;
}

/** The context rows of each model row, gathered by the example that row comes from. */
export function contextRows(context: Context | undefined, examples: ArrayLike<number>): Context | undefined {
  if (!context) return undefined;
  const out: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(context)) out[name] = gatherRows(t, examples);
  return out;
}
