import { forEachBatch } from './batching.js';
import { ShapeError, TargetError } from './errors.js';
import type { Model, RowTarget } from './model.js';
import type { TensorData } from './tensor.js';
import { batchSizeOf, concatRows, sliceRows } from './tensor.js';

/**
 * Which classes to explain:
 * - a class index for every example, or one index per example;
 * - 'predicted': each example's argmax;
 * - `{ classes: [...] }`: every example for each of these classes (one map per pair);
 * - `{ topK: k }`: every example for each of its k highest-scoring classes.
 */
export type Target = RowTarget | { readonly classes: readonly number[] } | { readonly topK: number };

/** The (example, class) pairs that a method explains, example-major. */
export interface ResolvedTargets {
  /** Row of the input that each map explains. */
  readonly examples: Int32Array;
  /** Class that each map explains. */
  readonly targets: Int32Array;
  /** Logits of the input when they had to be computed to resolve the targets. */
  readonly logits?: TensorData;
}

export function argmaxRows(logits: TensorData): Int32Array {
  const [rows, classes] = logits.shape as [number, number];
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[r * classes + c]! > logits.data[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

function topKOfRow(logits: TensorData, r: number, k: number): number[] {
  const classes = logits.shape[1]!;
  const order = Array.from({ length: classes }, (_, c) => c);
  const row = logits.data.subarray(r * classes, (r + 1) * classes);
  order.sort((a, b) => row[b]! - row[a]! || a - b);
  return order.slice(0, k);
}

/** `where` names the position ('[3]', 'classes[0]'), or is empty for a single target. */
function checkClass(c: number, classes: number | undefined, where: string): void {
  const name = where ? `Target ${where}` : 'The target';
  if (!Number.isInteger(c) || c < 0) throw new TargetError(`${name} is ${c}; class indices are non-negative integers.`);
  if (classes !== undefined && c >= classes) {
    throw new TargetError(`${name} is class ${c}, but the model has ${classes} classes (0..${classes - 1}).`);
  }
}

/**
 * One class per row, for adapters: resolves 'predicted' with the logits the adapter computed,
 * and checks every index against the number of classes when known.
 */
export function rowTargets(target: RowTarget | undefined, rows: number, logits?: TensorData): Int32Array {
  const classes = logits?.shape[1];
  if (target === undefined) throw new TargetError('This request needs a target: a class index, one per example, or "predicted".');
  if (target === 'predicted') {
    if (!logits) throw new TargetError("Target 'predicted' needs the logits of the input.");
    return argmaxRows(logits);
  }
  if (typeof target === 'number') {
    checkClass(target, classes, '');
    return new Int32Array(rows).fill(target);
  }
  if (target.length !== rows) {
    throw new TargetError(`Got ${target.length} targets for ${rows} examples; give one per example, a single index, or 'predicted'.`);
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    checkClass(target[i]!, classes, `[${i}]`);
    out[i] = target[i]!;
  }
  return out;
}

export interface ResolveTargetsOptions {
  /** Logits of the input, when the caller has them already: no model call is made. */
  readonly logits?: TensorData;
  /** Most rows per logits call (default: all rows in one call). */
  readonly batchSize?: number;
}

/**
 * The model's logits for every row, in calls of at most `batchSize` rows (default: one call).
 * `context` holds the companion inputs of the rows (one row per row of `input`).
 */
export async function logitsInBatches(
  model: Model,
  input: TensorData,
  batchSize: number | undefined,
  signal?: AbortSignal,
  context?: Readonly<Record<string, TensorData>>,
): Promise<TensorData> {
  const rows = batchSizeOf(input);
  const parts: TensorData[] = [];
  await forEachBatch(
    rows,
    batchSize ?? rows,
    async (start, end) => {
      const batchContext = context ? Object.fromEntries(Object.entries(context).map(([k, t]) => [k, sliceRows(t, start, end)])) : undefined;
      const request = { input: sliceRows(input, start, end), outputs: ['logits' as const], signal, ...(batchContext ? { context: batchContext } : {}) };
      parts.push((await model.run(request)).logits);
    },
    { signal },
  );
  return concatRows(parts);
}

function isMulti(t: Target): t is { readonly classes: readonly number[] } | { readonly topK: number } {
  return typeof t === 'object' && t !== null && ('classes' in t || 'topK' in t);
}

/**
 * Expands any target into (example, class) pairs. Runs the model for logits only when the target
 * needs them ('predicted', topK), and checks class indices against the model's classes then.
 */
export async function resolveTargets(
  model: Model,
  input: TensorData,
  target: Target = 'predicted',
  signal?: AbortSignal,
  options: ResolveTargetsOptions = {},
): Promise<ResolvedTargets> {
  const rows = batchSizeOf(input);
  const needsLogits = target === 'predicted' || (isMulti(target) && 'topK' in target);
  const logits = needsLogits ? (options.logits ?? (await logitsInBatches(model, input, options.batchSize, signal))) : undefined;
  if (!isMulti(target)) {
    const targets = rowTargets(target, rows, logits);
    return { examples: Int32Array.from({ length: rows }, (_, i) => i), targets, logits };
  }
  let perExample: (r: number) => readonly number[];
  if ('classes' in target) {
    if (target.classes.length === 0) throw new TargetError('{ classes: [] } names no class; give at least one.');
    target.classes.forEach((c, i) => {
      checkClass(c, undefined, `classes[${i}]`);
    });
    perExample = () => target.classes;
  } else {
    const k = target.topK;
    const classes = logits!.shape[1]!;
    if (!Number.isInteger(k) || k < 1 || k > classes) throw new TargetError(`topK must be an integer in 1..${classes}; got ${k}.`);
    perExample = (r) => topKOfRow(logits!, r, k);
  }
  const examples: number[] = [];
  const targets: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (const c of perExample(r)) {
      examples.push(r);
      targets.push(c);
    }
  }
  return { examples: Int32Array.from(examples), targets: Int32Array.from(targets), logits };
}

/** The logits a model returned for `rows` input rows, checked to be [rows, classes]. */
export function checkLogitRows(logits: TensorData, rows: number): TensorData {
  if (logits.shape.length !== 2 || logits.shape[0] !== rows || logits.data.length !== rows * logits.shape[1]!) {
    throw new ShapeError(`The model returned logits of shape [${logits.shape.join(', ')}] for ${rows} rows; a model must return [${rows}, classes].`);
  }
  return logits;
}
