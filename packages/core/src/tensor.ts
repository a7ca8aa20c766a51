import { ShapeError } from './errors.js';

/** Plain data at the boundary between packages; adapters own their framework tensors and free them. */
export interface TensorData {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Wraps data and shape, checking that they agree. Accepts any numeric array-like. */
export function tensor(data: ArrayLike<number>, shape: readonly number[]): TensorData {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`Invalid shape [${shape.join(', ')}]: dimensions must be non-negative integers.`);
  }
  const expected = sizeOf(shape);
  if (data.length !== expected) {
    throw new ShapeError(`Data has ${data.length} values but shape [${shape.join(', ')}] needs ${expected}.`);
  }
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), shape: [...shape] };
}

export function zerosLike(t: TensorData): TensorData {
  return { data: new Float32Array(t.data.length), shape: [...t.shape] };
}

/** Number of rows (dimension 0): every tensor at the boundary has the batch first. */
export function batchSizeOf(t: TensorData): number {
  if (t.shape.length === 0) throw new ShapeError('Expected a batched tensor (batch on dimension 0), got a scalar.');
  return t.shape[0]!;
}

export function rowSize(t: TensorData): number {
  return sizeOf(t.shape.slice(1));
}

/** Rows [start, end) as a view that shares memory with `t`. */
export function sliceRows(t: TensorData, start: number, end: number): TensorData {
  const r = rowSize(t);
  return { data: t.data.subarray(start * r, end * r), shape: [end - start, ...t.shape.slice(1)] };
}

/** Row `i` without its batch dimension, as a view. */
export function row(t: TensorData, i: number): Float32Array {
  const r = rowSize(t);
  return t.data.subarray(i * r, (i + 1) * r);
}

/** The rows named by `indices`, copied in that order (indices may repeat). */
export function gatherRows(t: TensorData, indices: ArrayLike<number>): TensorData {
  const r = rowSize(t);
  const out = new Float32Array(indices.length * r);
  for (let i = 0; i < indices.length; i++) out.set(t.data.subarray(indices[i]! * r, (indices[i]! + 1) * r), i * r);
  return { data: out, shape: [indices.length, ...t.shape.slice(1)] };
}

export function concatRows(parts: readonly TensorData[]): TensorData {
  if (parts.length === 0) throw new ShapeError('Cannot concatenate zero tensors.');
  if (parts.length === 1) return parts[0]!;
  const tail = parts[0]!.shape.slice(1);
  let rows = 0;
  let total = 0;
  for (const p of parts) {
    if (!sameShape(p.shape.slice(1), tail)) {
      throw new ShapeError(`Cannot concatenate rows of shape [${p.shape.slice(1)}] with rows of shape [${tail}].`);
    }
    rows += p.shape[0]!;
    total += p.data.length;
  }
  const out = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.data.length;
  }
  return { data: out, shape: [rows, ...tail] };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(t: TensorData, expected: readonly (number | null)[], what: string): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    const want = expected.map((d) => (d === null ? '?' : d)).join(', ');
    throw new ShapeError(`${what} has shape [${t.shape.join(', ')}]; expected [${want}].`);
  }
}
