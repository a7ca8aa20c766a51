import { ShapeError, type TensorData } from '@salience/core';

/**
 * How the channels of the layer are weighted:
 * - 'grad-cam': the spatial mean of the gradient (Selvaraju et al.; Captum's LayerGradCam);
 * - 'grad-cam++': sum over positions of relu(g) * alpha with alpha = g^2 / (2 g^2 + sum(A) g^3),
 *   the higher-order derivatives replaced by powers of the first (Chattopadhay et al., eq. 19, as
 *   pytorch-grad-cam computes it).
 */
export type ChannelWeighting = 'grad-cam' | 'grad-cam++';

/** pytorch-grad-cam's guard on the Grad-CAM++ denominator, kept for parity with it. */
export const GRAD_CAM_PLUS_PLUS_EPSILON = 1e-6;

/** Where the channels and the positions of one row of a feature map sit. */
export interface FeatureMapGeometry {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Distance between consecutive channels of one position. */
  readonly channelStride: number;
  /** Distance between consecutive positions of one channel. */
  readonly positionStride: number;
}

/** Reads a [B, C, h, w] (channels first) or [B, h, w, C] (channels last) map's geometry. */
export function featureMapGeometry(shape: readonly number[], channelsFirst: boolean): FeatureMapGeometry {
  if (shape.length !== 4) {
    throw new ShapeError(`The layer's output has shape [${shape.join(', ')}]; Grad-CAM needs a 4-D feature map (batch, two spatial axes, channels).`);
  }
  return channelsFirst
    ? { channels: shape[1]!, height: shape[2]!, width: shape[3]!, channelStride: shape[2]! * shape[3]!, positionStride: 1 }
    : { height: shape[1]!, width: shape[2]!, channels: shape[3]!, channelStride: 1, positionStride: shape[3]! };
}

/**
 * One class activation map per row of `activations`: sum over channels of weight * activation,
 * then relu if asked. Writes rows * h * w values into `out`.
 */
export function classActivationMaps(
  activations: TensorData,
  gradients: TensorData,
  geometry: FeatureMapGeometry,
  weighting: ChannelWeighting,
  relu: boolean,
  out: Float32Array,
): void {
  const { channels, channelStride, positionStride } = geometry;
  const positions = geometry.height * geometry.width;
  const rowSize = channels * positions;
  const rows = activations.shape[0]!;
  const weights = new Float64Array(channels);
  const map = new Float64Array(positions);
  for (let r = 0; r < rows; r++) {
    const a = activations.data.subarray(r * rowSize, (r + 1) * rowSize);
    const g = gradients.data.subarray(r * rowSize, (r + 1) * rowSize);
    if (weighting === 'grad-cam') meanGradients(g, channels, positions, channelStride, positionStride, weights);
    else plusPlusWeights(a, g, channels, positions, channelStride, positionStride, weights);
    weightedChannelMap(a, weights, geometry, map);
    const target = out.subarray(r * positions, (r + 1) * positions);
    for (let p = 0; p < positions; p++) target[p] = (relu && map[p]! < 0 ? 0 : map[p])!;
  }
}

/**
 * One row's map: `map[p] = sum_k weights[k] * a[k, p]` over the row's activations `a`. Visits
 * memory in order: channels outer when channels are first, positions outer otherwise.
 */
export function weightedChannelMap(a: Float32Array, weights: Float64Array, geometry: FeatureMapGeometry, map: Float64Array): void {
  const { channels, channelStride, positionStride } = geometry;
  const positions = geometry.height * geometry.width;
  if (positionStride === 1) {
    map.fill(0);
    for (let k = 0; k < channels; k++) {
      const wk = weights[k]!;
      const base = k * channelStride;
      for (let p = 0; p < positions; p++) map[p]! += wk * a[base + p]!;
    }
  } else {
    for (let p = 0; p < positions; p++) {
      const base = p * positionStride;
      let sum = 0;
      for (let k = 0; k < channels; k++) sum += weights[k]! * a[base + k]!;
      map[p] = sum;
    }
  }
}

function meanGradients(g: Float32Array, channels: number, positions: number, channelStride: number, positionStride: number, weights: Float64Array): void {
  weights.fill(0);
  if (positionStride === 1) {
    for (let k = 0; k < channels; k++) {
      let sum = 0;
      for (let p = 0, i = k * channelStride; p < positions; p++, i++) sum += g[i]!;
      weights[k] = sum;
    }
  } else {
    for (let p = 0; p < positions; p++) {
      const base = p * positionStride;
      for (let k = 0; k < channels; k++) weights[k]! += g[base + k]!;
    }
  }
  for (let k = 0; k < channels; k++) weights[k]! /= positions;
}

function plusPlusWeights(a: Float32Array, g: Float32Array, channels: number, positions: number, channelStride: number, positionStride: number, weights: Float64Array): void {
  const activationSums = new Float64Array(channels);
  for (let k = 0; k < channels; k++) {
    let sum = 0;
    for (let p = 0; p < positions; p++) sum += a[k * channelStride + p * positionStride]!;
    activationSums[k] = sum;
  }
  weights.fill(0);
  for (let k = 0; k < channels; k++) {
    const total = activationSums[k]!;
    let sum = 0;
    for (let p = 0; p < positions; p++) {
      const gk = g[k * channelStride + p * positionStride]!;
      // relu(g) * alpha: only positive gradients contribute, and alpha is 0 where g is 0.
      if (gk > 0) {
        const g2 = gk * gk;
        sum += (gk * g2) / (2 * g2 + total * g2 * gk + GRAD_CAM_PLUS_PLUS_EPSILON);
      }
    }
    weights[k] = sum;
  }
}
