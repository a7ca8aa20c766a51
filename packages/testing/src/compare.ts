import type { TensorData } from '@salience/core';
import { ShapeError } from '@salience/core';

/** How far one map (one row along dimension 0) is from its expected value. */
export interface MapComparison {
  /** Row of the batch. */
  readonly map: number;
  /** max |actual - expected| over the map (Infinity when a value is NaN or infinite). */
  readonly maxAbsError: number;
  /** max |expected| over the map: the scale that the error is measured against. */
  readonly maxAbsExpected: number;
  /** maxAbsError / maxAbsExpected; 0 for identical maps, Infinity for any error on an all-zero map. */
  readonly relativeError: number;
  /** Position of the largest error inside the map, one index per non-batch dimension. */
  readonly at: readonly number[];
  readonly actual: number;
  readonly expected: number;
}

export interface Comparison {
  readonly maps: readonly MapComparison[];
  /** The map with the largest relative error. */
  readonly worst: MapComparison;
  /** Largest maxAbsError over the maps. */
  readonly maxAbsError: number;
  /** Largest relativeError over the maps: the number that the parity criterion bounds. */
  readonly relativeError: number;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return at;
}

/**
 * Compares two batches map by map with the parity criterion used throughout salience:
 * max |actual - expected| <= tol x max |expected|, for each map (row) on its own.
 */
export function compareMaps(actual: TensorData, expected: TensorData): Comparison {
  const same = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!same) throw new ShapeError(`Cannot compare maps of shape [${actual.shape.join(', ')}] with expected [${expected.shape.join(', ')}].`);
  if (actual.data.length !== expected.data.length) {
    throw new ShapeError(`Cannot compare ${actual.data.length} values with ${expected.data.length} expected values.`);
  }
  const rows = (expected.shape.length === 0 ? 1 : expected.shape[0])!;
  const mapShape = expected.shape.slice(1);
  const size = rows === 0 ? 0 : expected.data.length / rows;
  const maps: MapComparison[] = [];
  for (let r = 0; r < rows; r++) {
    let maxErr = 0;
    let maxExp = 0;
    let where = 0;
    for (let i = 0; i < size; i++) {
      const a = actual.data[r * size + i]!;
      const e = expected.data[r * size + i]!;
      let err = Math.abs(a - e);
      if (!Number.isFinite(err)) err = a === e ? 0 : Infinity;
      if (err > maxErr) {
        maxErr = err;
        where = i;
      }
      maxExp = Math.max(maxExp, Math.abs(e));
    }
    const relativeError = maxErr === 0 ? 0 : maxExp === 0 ? Infinity : maxErr / maxExp;
    maps.push({
      map: r,
      maxAbsError: maxErr,
      maxAbsExpected: maxExp,
      relativeError,
      at: unravel(where, mapShape),
      actual: actual.data[r * size + where]!,
      expected: expected.data[r * size + where]!,
    });
  }
  const empty: MapComparison = { map: 0, maxAbsError: 0, maxAbsExpected: 0, relativeError: 0, at: [], actual: 0, expected: 0 };
  const worst = maps.reduce((w, m) => (m.relativeError > w.relativeError ? m : w), maps[0] ?? empty);
  return {
    maps,
    worst,
    maxAbsError: Math.max(0, ...maps.map((m) => m.maxAbsError)),
    relativeError: worst.relativeError,
  };
}

function describeMap(m: MapComparison, rows: number, tol: number): string {
  const where = m.at.length > 0 ? ` at [${m.at.join(', ')}]` : '';
  return (
    `map ${m.map} of ${rows}: max |actual - expected| = ${m.maxAbsError.toPrecision(3)}${where} ` +
    `(actual ${m.actual}, expected ${m.expected}), ${m.relativeError.toPrecision(3)} x max|expected| ` +
    `(${m.maxAbsExpected.toPrecision(3)}); allowed ${tol}`
  );
}

/**
 * Throws unless every map satisfies max |actual - expected| <= relTol x max |expected|. The message
 * names each failing map, where its largest error is, and both values there.
 */
export function expectMapsClose(actual: TensorData, expected: TensorData, relTol: number, label = 'maps'): Comparison {
  if (!(relTol >= 0)) throw new RangeError(`relTol must be a non-negative number; got ${relTol}.`);
  const result = compareMaps(actual, expected);
  const failing = result.maps.filter((m) => !(m.relativeError <= relTol));
  if (failing.length > 0) {
    const lines = failing.slice(0, 8).map((m) => `  ${describeMap(m, result.maps.length, relTol)}`);
    if (failing.length > 8) lines.push(`  ... and ${failing.length - 8} more maps`);
    const error = new Error(
      `${label} differ beyond ${relTol} x max|expected| in ${failing.length} of ${result.maps.length} maps (shape [${expected.shape.join(', ')}]):\n${lines.join('\n')}`,
    );
    error.name = 'AssertionError';
    throw error;
  }
  return result;
}
