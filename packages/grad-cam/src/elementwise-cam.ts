import type { TensorData } from '@salience/core';
import { type FeatureMapGeometry, weightedChannelMap } from './class-activation-map.js';

/**
 * Per position, the sum over channels of `weight(g) * A`, for every row: HiResCAM's g * A and
 * LayerCAM's relu(g) * A. Visits memory in order for both layouts. Writes rows * h * w values.
 */
export function channelSumOfProducts(activations: TensorData, gradients: TensorData, geometry: FeatureMapGeometry, positiveGradientsOnly: boolean, out: Float32Array): void {
  const { channels, channelStride, positionStride } = geometry;
  const positions = geometry.height * geometry.width;
  const size = channels * positions;
  const rows = activations.shape[0]!;
  const map = new Float64Array(positions);
  for (let r = 0; r < rows; r++) {
    const a = activations.data.subarray(r * size, (r + 1) * size);
    const g = gradients.data.subarray(r * size, (r + 1) * size);
    map.fill(0);
    if (positionStride === 1) {
      for (let k = 0; k < channels; k++) {
        const base = k * channelStride;
        for (let p = 0; p < positions; p++) {
          const gk = g[base + p]!;
          if (!positiveGradientsOnly || gk > 0) map[p]! += gk * a[base + p]!;
        }
      }
    } else {
      for (let p = 0; p < positions; p++) {
        const base = p * positionStride;
        let sum = 0;
        for (let k = 0; k < channels; k++) {
          const gk = g[base + k]!;
          if (!positiveGradientsOnly || gk > 0) sum += gk * a[base + k]!;
        }
        map[p] = sum;
      }
    }
    out.set(map, r * positions);
  }
}

/** The sum over channels of `weights[row, k] * A_k`, for every row; `weights` is [rows, channels]. */
export function weightedChannelSum(activations: TensorData, weights: Float64Array, geometry: FeatureMapGeometry, out: Float32Array): void {
  const positions = geometry.height * geometry.width;
  const size = geometry.channels * positions;
  const map = new Float64Array(positions);
  for (let r = 0; r < activations.shape[0]!; r++) {
    const w = weights.subarray(r * geometry.channels, (r + 1) * geometry.channels);
    weightedChannelMap(activations.data.subarray(r * size, (r + 1) * size), w, geometry, map);
    out.set(map, r * positions);
  }
}
