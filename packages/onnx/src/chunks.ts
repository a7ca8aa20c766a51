import type { TensorData } from '@salience/core';
import { concatRows } from '@salience/core';

/** [start, end) row ranges: the whole batch at once, or chunks of a batch size fixed by the graph. */
export function chunkRanges(rows: number, fixedBatch: number | undefined): Array<[number, number]> {
  if (fixedBatch === undefined) return [[0, rows]];
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < rows; start += fixedBatch) ranges.push([start, Math.min(rows, start + fixedBatch)]);
  return ranges;
}

/**
 * Rows [start, end) of row-major data, padded to `size` rows by repeating the last one (a graph
 * with a fixed batch takes exactly that many). A view when nothing is padded.
 */
export function paddedRows<T extends Float32Array>(data: T, rowSize: number, start: number, end: number, size: number): T {
  if (end - start === size) return data.subarray(start * rowSize, end * rowSize) as T;
  const out = new (data.constructor as new (n: number) => T)(size * rowSize);
  out.set(data.subarray(start * rowSize, end * rowSize));
  const last = data.subarray((end - 1) * rowSize, end * rowSize);
  for (let r = end - start; r < size; r++) out.set(last, r * rowSize);
  return out;
}

/** The first `rows` rows of an output of a padded chunk. */
export function firstRows(t: TensorData, rows: number): TensorData {
  if (t.shape[0] === rows) return t;
  const size = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.subarray(0, rows * size), shape: [rows, ...t.shape.slice(1)] };
}

export function joinChunks(parts: readonly TensorData[]): TensorData {
  return (parts.length === 1 ? parts[0] : concatRows(parts))!;
}
