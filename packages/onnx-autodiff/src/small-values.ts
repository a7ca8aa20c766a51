import type { Dim } from './tensor-info.js';

/**
 * Evaluation of ops on the known contents of small tensors (shapes, pads, masks of a few elements),
 * in row-major order, so that the shape arithmetic of dynamic-axis exports folds to constants once
 * the input shapes are known. Everything here returns undefined when a size or a value is unknown.
 */

export function numbersOf(value: readonly Dim[] | undefined): readonly number[] | undefined {
  return value?.every((v) => typeof v === 'number') ? (value as readonly number[]) : undefined;
}

export function countOf(shape: readonly Dim[] | undefined): number | undefined {
  if (!shape?.every((d) => typeof d === 'number')) return undefined;
  return (shape as number[]).reduce((a, b) => a * b, 1);
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1]!;
  return strides;
}

/** The multi-index of flat position k in `shape`. */
function unravel(k: number, shape: readonly number[]): number[] {
  const index = new Array(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = k % shape[i]!;
    k = Math.floor(k / shape[i]!);
  }
  return index;
}

/** fn applied elementwise with numpy broadcasting; inputs are (shape, values) pairs. */
export function broadcastValues(
  inputs: readonly { shape?: readonly Dim[]; value?: readonly Dim[] }[],
  outShape: readonly Dim[] | undefined,
  limit: number,
  fn: (...xs: number[]) => number,
): number[] | undefined {
  const count = countOf(outShape);
  if (count === undefined || count > limit) return undefined;
  const out = outShape as number[];
  const parts: { values: readonly number[]; shape: number[]; strides: number[] }[] = [];
  for (const input of inputs) {
    const values = numbersOf(input.value);
    const n = countOf(input.shape);
    if (!values || n === undefined || values.length !== n) return undefined;
    // Right-aligned, padded with ones; a broadcast axis has stride 0.
    const shape = [...new Array(out.length - input.shape!.length).fill(1), ...(input.shape as number[])];
    const strides = stridesOf(shape).map((s, i) => (shape[i] === 1 ? 0 : s));
    parts.push({ values, shape, strides });
  }
  const result: number[] = [];
  for (let k = 0; k < count; k++) {
    const index = unravel(k, out);
    const xs = parts.map((p) => p.values[index.reduce((at, v, i) => at + v * p.strides[i]!, 0)]!);
    result.push(fn(...xs));
  }
  return result;
}

export function transposeValues(value: readonly number[], shape: readonly number[], perm: readonly number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const strides = stridesOf(shape);
  return Array.from({ length: value.length }, (_, k) => {
    const index = unravel(k, outShape);
    return value[index.reduce((at, v, i) => at + v * strides[perm[i]!]!, 0)]!;
  });
}

/** Picks, along each axis, the listed positions (Slice and Gather both reduce to this). */
export function pickValues(value: readonly number[], shape: readonly number[], picks: readonly (readonly number[])[]): number[] {
  const outShape = picks.map((p) => p.length);
  const strides = stridesOf(shape);
  const count = outShape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, k) => {
    const index = unravel(k, outShape);
    return value[index.reduce((at, v, i) => at + picks[i]![v]! * strides[i]!, 0)]!;
  });
}

/** Gather along `axis` with indices of any rank (negative indices count from the end). */
export function gatherValues(value: readonly number[], shape: readonly number[], indices: readonly number[], axis: number): number[] {
  const n = shape[axis]!;
  const flat = indices.map((i) => (i < 0 ? i + n : i));
  // The indices laid out as one axis, row-major: the same order as data[:axis] + indices + data[axis+1:].
  return pickValues(
    value,
    shape,
    shape.map((d, i) => (i === axis ? flat : Array.from({ length: d }, (_, k) => k))),
  );
}

export function concatValues(parts: readonly { value: readonly number[]; shape: readonly number[] }[], axis: number): number[] {
  const outer = parts[0]!.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const inner = p.shape.slice(axis).reduce((a, b) => a * b, 1);
      for (let k = 0; k < inner; k++) out.push(p.value[o * inner + k]!);
    }
  }
  return out;
}
