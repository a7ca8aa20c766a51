import { ShapeError } from './errors.js';
import type { Model } from './model.js';
import type { TensorData } from './tensor.js';
import { gatherRows, sizeOf } from './tensor.js';

/** Companion inputs by name, batch first. */
export type Context = Readonly<Record<string, TensorData>>;

/**
 * The companions of the caller's real examples: what the model derives (`model.contextOf`), overridden
 * by what the caller gives. Resolved once per call, before any baseline, noise or occlusion exists, so
 * that every perturbed row keeps its example's mask. Undefined when there is none.
 */
export function resolveContext(model: Model, input: TensorData, given: Context | undefined): Context | undefined {
  const derived = model.contextOf?.(input);
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new ShapeError('context must be an object of named tensors: { attention_mask: { data, shape } }.');
  }
  const context: Record<string, TensorData> = { ...derived, ...given };
  const names = Object.keys(context);
  if (names.length === 0) return undefined;
  const examples = input.shape[0];
  for (const name of names) {
    const t = context[name];
    if (typeof t !== 'object' || t === null || !(t.data instanceof Float32Array) || !Array.isArray(t.shape)) {
      throw new ShapeError(`context.${name} must be a TensorData { data: Float32Array, shape }.`);
    }
    if (t.shape[0] !== examples || t.data.length !== sizeOf(t.shape)) {
      throw new ShapeError(
        `context.${name} has shape [${t.shape.join(', ')}] (${t.data.length} values); give one row per example of the input, [${examples}, ...].`,
      );
    }
  }
  return context;
}

/** The context rows of each model row, gathered by the example that row comes from. */
export function contextRows(context: Context | undefined, examples: ArrayLike<number>): Context | undefined {
  if (!context) return undefined;
  const out: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(context)) out[name] = gatherRows(t, examples);
  return out;
}
