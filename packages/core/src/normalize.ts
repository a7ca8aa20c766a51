import { OptionError } from './errors.js';
import type { TensorData } from './tensor.js';
import { rowSize } from './tensor.js';

/**
 * - 'min-max': (v - min) / (max - min) into [0, 1];
 * - 'abs-max': v / max|v| into [-1, 1], keeping the sign and zero;
 * - 'percentile': Captum's outlier clipping: divide by the value at which the cumulative sum of
 *   sorted |v| reaches (100 - outlierPercent)% of the total, then clip to [-1, 1].
 */
export type Normalization = 'min-max' | 'abs-max' | 'percentile';

export interface NormalizeOptions {
  readonly method: Normalization;
  /** For 'percentile': the share of the total mass treated as outliers; Captum's default is 2. */
  readonly outlierPercent?: number;
  /** Each map on its own (default), or one scale over the whole batch. */
  readonly perExample?: boolean;
  /** Guards the division for constant maps. */
  readonly epsilon?: number;
}

/** A new tensor with every map scaled; the input is not changed. */
export function normalize(values: TensorData, options: NormalizeOptions): TensorData {
  const { method, perExample = true, epsilon = 1e-12 } = options;
  const out = new Float32Array(values.data);
  const span = perExample ? rowSize(values) : values.data.length;
  for (let start = 0; start < out.length; start += span) {
    const map = out.subarray(start, start + span);
    switch (method) {
      case 'min-max': {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of map) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const scale = hi - lo > epsilon ? 1 / (hi - lo) : 0;
        for (let i = 0; i < map.length; i++) map[i] = (map[i]! - lo) * scale;
        break;
      }
      case 'abs-max': {
        let hi = 0;
        for (const v of map) hi = Math.max(hi, Math.abs(v));
        const scale = hi > epsilon ? 1 / hi : 0;
        for (let i = 0; i < map.length; i++) map[i]! *= scale;
        break;
      }
      case 'percentile': {
        const threshold = cumulativeThreshold(map, 100 - (options.outlierPercent ?? 2));
        const scale = threshold > epsilon ? 1 / threshold : 0;
        for (let i = 0; i < map.length; i++) map[i] = Math.max(-1, Math.min(1, map[i]! * scale));
        break;
      }
      default:
        throw new OptionError(`Unknown normalization '${method as string}'; use 'min-max', 'abs-max' or 'percentile'.`);
    }
  }
  return { data: out, shape: [...values.shape] };
}

/**
 * The smallest |value| at which the cumulative sum of sorted |values| reaches `percent`% of their
 * total (Captum's `_cumulative_sum_threshold`).
 */
export function cumulativeThreshold(values: ArrayLike<number>, percent: number): number {
  if (!(percent > 0 && percent <= 100)) throw new OptionError(`Percentile must be in (0, 100]; got ${percent}.`);
  const sorted = Float64Array.from(values, Math.abs).sort();
  let total = 0;
  for (const v of sorted) total += v;
  const goal = (total * percent) / 100;
  let cum = 0;
  for (const v of sorted) {
    cum += v;
    if (cum >= goal) return v;
  }
  return sorted[sorted.length - 1] ?? 0;
}
