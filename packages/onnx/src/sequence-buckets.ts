import type { OutputName, RequestPlan, TensorData } from '@salience/core';
import type { Companion } from './graph-inputs.js';

/** Outputs that come back the same from padded ids (cut back to the real tokens). */
const BUCKETED_OUTPUTS: ReadonlySet<OutputName> = new Set<OutputName>(['logits', 'embeddings', 'embeddingGradients']);

/** The sequence length a request of `length` tokens runs at: the next multiple of `bucket`. */
export function bucketLength(length: number, bucket: number): number {
  return Math.ceil(length / bucket) * bucket;
}

/**
 * Whether a request can run padded: only when the model takes an attention mask (pads are masked
 * out, so real tokens see what they saw; without a mask padding changes the logits), every other
 * input is one we know how to pad (token types, positions), and it asks only for logits, embeddings
 * and their gradients (layer tensors have no common token axis to cut).
 */
export function canBucket(plan: RequestPlan, companions: readonly Companion[], hasBackwardRules: boolean): boolean {
  if (hasBackwardRules || plan.layer !== undefined || plan.input.shape.length !== 2) return false;
  if (!plan.outputs.every((o) => BUCKETED_OUTPUTS.has(o))) return false;
  return companions.some((c) => c.role === 'attention-mask') && companions.every((c) => c.role !== 'given');
}

/** Pads the last axis of rows [.., T] to `length` with `fill(t)` at token position t >= T. */
function padLast(t: TensorData, length: number, fill: (position: number) => number): TensorData {
  const tokens = t.shape[t.shape.length - 1]!;
  const lines = t.data.length / tokens;
  const data = new Float32Array(lines * length);
  for (let line = 0; line < lines; line++) {
    data.set(t.data.subarray(line * tokens, (line + 1) * tokens), line * length);
    for (let p = tokens!; p < length; p++) data[line * length + p] = fill(p);
  }
  return { data, shape: [...t.shape.slice(0, -1), length] };
}

/** Pads axis 1 of [B, T, D] to `length` with zeros. */
function padTokens(t: TensorData, length: number): TensorData {
  const [rows, tokens, ...rest] = t.shape as [number, number, ...number[]];
  const inner = rest.reduce((a, b) => a * b, 1);
  const data = new Float32Array(rows * length * inner);
  for (let r = 0; r < rows; r++) data.set(t.data.subarray(r * tokens * inner, (r + 1) * tokens * inner), r * length * inner);
  return { data, shape: [rows, length, ...rest] };
}

/** The first `tokens` positions of axis 1 of [B, L, D]. */
export function cutTokens(t: TensorData, tokens: number): TensorData {
  const [rows, length, ...rest] = t.shape as [number, number, ...number[]];
  if (length === tokens) return t;
  const inner = rest.reduce((a, b) => a * b, 1);
  const data = new Float32Array(rows * tokens * inner);
  for (let r = 0; r < rows; r++) data.set(t.data.subarray(r * length * inner, (r * length + tokens) * inner), r * tokens * inner);
  return { data, shape: [rows, tokens, ...rest] };
}

/**
 * The request with its ids, companions and embeddings padded to `length` tokens: ids with the pad
 * id, the attention mask with 0 (so every real token attends to what it did), token types with 0,
 * positions counting on.
 */
export function padRequest<P extends RequestPlan>(
  plan: P,
  context: ReadonlyMap<string, TensorData>,
  companions: readonly Companion[],
  length: number,
  padId: number,
): { plan: P; context: Map<string, TensorData> } {
  const padded = new Map<string, TensorData>();
  for (const companion of companions) {
    const rows = context.get(companion.name);
    if (!rows) continue;
    padded.set(
      companion.name,
      padLast(rows, length, (p) => (companion.role === 'positions' ? p : 0)),
    );
  }
  const input = padLast(plan.input, length, () => padId);
  const embeddings = plan.embeddings && padTokens(plan.embeddings, length);
  return { plan: { ...plan, input, embeddings }, context: padded };
}
