import type { TensorData } from '@salience/core';
import { expectMapsClose } from '@salience/testing';

/**
 * Compares pytorch-grad-cam's final maps (ReLU, scaled to [0, 1], resized, scaled) map by map.
 * Scaling divides by the largest positive value; where that is far below the map's range (one
 * positive pixel among large negative values), pytorch-grad-cam's float32 rounding is magnified as
 * much, so the tolerance is widened by range / peak of the map before scaling (`raw`).
 */
export function expectFinalMapsClose(actual: TensorData, expected: TensorData, raw: TensorData, tolerance: number, label: string): void {
  const size = expected.data.length / expected.shape[0]!;
  const rawSize = raw.data.length / raw.shape[0]!;
  for (let m = 0; m < expected.shape[0]!; m++) {
    const row = raw.data.subarray(m * rawSize, (m + 1) * rawSize);
    let peak = -Infinity;
    let range = 0;
    for (const v of row) {
      peak = Math.max(peak, v);
      range = Math.max(range, Math.abs(v));
    }
    const widened = tolerance * (peak > 0 ? Math.max(1, range / peak) : 1);
    const one = (t: TensorData) => ({ data: t.data.subarray(m * size, (m + 1) * size), shape: [1, ...t.shape.slice(1)] });
    expectMapsClose(one(actual), one(expected), widened, `${label} map ${m}`);
  }
}
