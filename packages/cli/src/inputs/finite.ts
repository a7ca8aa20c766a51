import type { TensorData } from '@salience/core';
import { CliError } from '../cli-error.js';

/** Index of the first NaN or infinite value, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** A flat index as a position in `shape`, e.g. [0, 3, 4, 1]. */
export function positionOf(index: number, shape: readonly number[]): number[] {
  const position = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    position[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return position;
}

/** Rows (first axis) that hold a NaN or infinite value. */
export function nonFiniteRows(tensor: TensorData): number[] {
  const rows = tensor.shape[0] ?? 0;
  const size = rows > 0 ? tensor.data.length / rows : 0;
  const found: number[] = [];
  for (let r = 0; r < rows; r++) if (firstNonFinite(tensor.data.subarray(r * size, (r + 1) * size)) >= 0) found.push(r);
  return found;
}

/** An input file's values must be finite: a NaN or infinity is an input error naming the value and where it is. */
export function checkFiniteInput(tensor: TensorData, what: string): void {
  const index = firstNonFinite(tensor.data);
  if (index < 0) return;
  const count = tensor.data.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
  throw new CliError(
    'inputFile',
    `${what} holds ${tensor.data[index]} at [${positionOf(index, tensor.shape).join(', ')}]${count > 1 ? ` (and ${count - 1} more non-finite value${count > 2 ? 's' : ''})` : ''}; inputs must be finite numbers. Fix or drop those examples.`,
  );
}
