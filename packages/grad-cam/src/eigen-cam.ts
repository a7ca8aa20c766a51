import { type Method, symmetricEigen } from '@salience/core';
import { type CamOptions, camMethod, checkTargetClasses, layerGeometry } from './cam-method.js';
import type { FeatureMapGeometry } from './class-activation-map.js';

/**
 * Eigenvector of the largest eigenvalue of a symmetric n x n matrix (row-major), from core's
 * Jacobi solve (exact to rounding whatever the eigenvalue gap, unlike power iteration).
 */
export function topEigenvector(matrix: Float64Array, n: number): { vector: Float64Array; value: number } {
  const { values, vectors } = symmetricEigen(matrix, n, 1e-30);
  let best = 0;
  for (let i = 1; i < n; i++) if (values[i]! > values[best]!) best = i;
  const vector = new Float64Array(n);
  for (let k = 0; k < n; k++) vector[k] = vectors[k * n + best]!;
  return { vector, value: values[best]! };
}

/**
 * EigenCAM's map of one row: the activations as a [positions, channels] matrix, each channel
 * centred over the positions, projected on their first principal direction (the top right singular
 * vector). The sign of a singular vector is arbitrary (pytorch-grad-cam keeps whatever LAPACK
 * returns); here the value of largest magnitude is made positive, as in pytorch-grad-cam's
 * `get_2d_projection_with_sign_correction`. Works on the smaller of the two Gram matrices.
 */
export function eigenCamMap(activations: Float32Array, geometry: FeatureMapGeometry, out: Float32Array): void {
  const { channels, channelStride, positionStride } = geometry;
  const positions = geometry.height * geometry.width;
  const x = new Float64Array(positions * channels);
  for (let k = 0; k < channels; k++) {
    let mean = 0;
    for (let p = 0; p < positions; p++) mean += activations[k * channelStride + p * positionStride]!;
    mean /= positions;
    for (let p = 0; p < positions; p++) {
      const value = activations[k * channelStride + p * positionStride];
      // NaN activations count as 0, as in pytorch-grad-cam.
      x[p * channels + k] = (Number.isNaN(value) ? 0 : value)! - mean;
    }
  }
  const projection = new Float64Array(positions);
  if (channels <= positions) {
    const gram = new Float64Array(channels * channels);
    for (let p = 0; p < positions; p++) {
      const row = p * channels;
      for (let i = 0; i < channels; i++) {
        const xi = x[row + i]!;
        if (xi === 0) continue;
        for (let j = i; j < channels; j++) gram[i * channels + j]! += xi * x[row + j]!;
      }
    }
    for (let i = 0; i < channels; i++) for (let j = 0; j < i; j++) gram[i * channels + j] = gram[j * channels + i]!;
    const { vector } = topEigenvector(gram, channels);
    for (let p = 0; p < positions; p++) {
      let sum = 0;
      for (let k = 0; k < channels; k++) sum += x[p * channels + k]! * vector[k]!;
      projection[p] = sum;
    }
  } else {
    const gram = new Float64Array(positions * positions);
    for (let p = 0; p < positions; p++) {
      for (let q = p; q < positions; q++) {
        let sum = 0;
        for (let k = 0; k < channels; k++) sum += x[p * channels + k]! * x[q * channels + k]!;
        gram[p * positions + q] = sum;
        gram[q * positions + p] = sum;
      }
    }
    // X v = sigma u, with u the top eigenvector of X X^T and sigma^2 its eigenvalue.
    const { vector, value } = topEigenvector(gram, positions);
    const sigma = Math.sqrt(Math.max(0, value));
    for (let p = 0; p < positions; p++) projection[p] = sigma * vector[p]!;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of projection) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const sign = Math.abs(lo) > Math.abs(hi) ? -1 : 1;
  for (let p = 0; p < positions; p++) out[p] = sign * projection[p]!;
}

/**
 * EigenCAM (Muhammad & Yeasin 2020): the first principal component of the layer's activations.
 * Forward-only and class-agnostic: every target of an example gets the same map. It needs only
 * the layer's activations, so it runs on models whose gradients cannot be built.
 * pytorch-grad-cam's `EigenCAM`, with the sign made deterministic (see `eigenCamMap`).
 */
export const eigenCam: Method<CamOptions> = camMethod({
  id: 'eigencam',
  requires: ['logits', 'layerActivations'],
  async layerMaps(request) {
    const { call, examples, layer, channelsFirst } = request;
    const rows = examples.length;
    let geometry: FeatureMapGeometry | undefined;
    let maps = new Float32Array(0);
    await call.forEachBatch(
      rows,
      async (start, end) => {
        // Forward only: no target goes to the model, so the logits check the classes.
        const outputs = await call.run({ input: call.mapInput(start, end), examples: examples.subarray(start, end), outputs: ['layerActivations', 'logits'], layer });
        const { logits } = outputs;
        const layerActivations = request.featureMap(outputs.layerActivations);
        if (start === 0) checkTargetClasses(request.targets, logits);
        const found = layerGeometry(layerActivations, end - start, layer, channelsFirst);
        if (!geometry) {
          geometry = found;
          maps = new Float32Array(rows * found.height * found.width);
        }
        const size = found.channels * found.height * found.width;
        const positions = found.height * found.width;
        for (let r = 0; r < end - start; r++) {
          const a = layerActivations.data.subarray(r * size, (r + 1) * size);
          eigenCamMap(a, found, maps.subarray((start + r) * positions, (start + r + 1) * positions));
        }
      },
      request.onProgress,
    );
    return { maps, geometry: geometry! };
  },
});
