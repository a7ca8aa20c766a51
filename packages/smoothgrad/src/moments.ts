import type { SmoothGradStatistic } from './options.js';

/**
 * Running sums (and sums of squares) of the maps of each (example, target) pair over the noise
 * samples, in float64 so that the variance E[a^2] - E[a]^2 does not lose its digits.
 */
export interface Moments {
  add(pair: number, map: Float32Array): void;
  /** The statistic over `samples` maps per pair, as float32, [pairs * mapSize]. */
  finish(samples: number): Float32Array;
}

export function createMoments(statistic: SmoothGradStatistic, pairs: number, mapSize: number): Moments {
  const needSum = statistic !== 'mean-of-squares';
  const needSquares = statistic !== 'mean';
  const sums = needSum ? new Float64Array(pairs * mapSize) : null;
  const squares = needSquares ? new Float64Array(pairs * mapSize) : null;
  return {
    add(pair, map) {
      const offset = pair * mapSize;
      if (sums) for (let i = 0; i < mapSize; i++) sums[offset + i]! += map[i]!;
      if (squares) for (let i = 0; i < mapSize; i++) squares[offset + i]! += map[i]! * map[i]!;
    },
    finish(samples) {
      const out = new Float32Array(pairs * mapSize);
      for (let i = 0; i < out.length; i++) {
        if (statistic === 'mean') out[i] = sums![i]! / samples;
        else if (statistic === 'mean-of-squares') out[i] = squares![i]! / samples;
        else {
          const mean = sums![i]! / samples;
          // Population variance; rounding can leave a tiny negative where the maps agree.
          out[i] = Math.max(0, squares![i]! / samples - mean * mean);
        }
      }
      return out;
    },
  };
}
