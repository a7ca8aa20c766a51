import type { Method, TensorData } from '@salience/core';
import { type CamOptions, camMethod, gradientLayerMaps } from './cam-method.js';
import type { FeatureMapGeometry } from './class-activation-map.js';
import { weightedChannelSum } from './elementwise-cam.js';

/** pytorch-grad-cam's guard on XGradCAM's denominator, kept for parity with it. */
export const XGRAD_CAM_EPSILON = 1e-7;

/**
 * XGradCAM's channel weights for every row: `w_k = Σ_p g_kp A_kp / (Σ_p A_kp + 1e-7)`, the
 * gradient averaged with the activations' own spatial distribution as weights. [rows, channels].
 */
export function xGradCamWeights(activations: TensorData, gradients: TensorData, geometry: FeatureMapGeometry): Float64Array {
  const { channels, channelStride, positionStride } = geometry;
  const positions = geometry.height * geometry.width;
  const size = channels * positions;
  const rows = activations.shape[0]!;
  const weights = new Float64Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    for (let k = 0; k < channels; k++) {
      let products = 0;
      let total = 0;
      for (let p = 0; p < positions; p++) {
        const i = base + k * channelStride + p * positionStride;
        products += gradients.data[i]! * activations.data[i]!;
        total += activations.data[i]!;
      }
      weights[r * channels + k] = products / (total + XGRAD_CAM_EPSILON);
    }
  }
  return weights;
}

/**
 * XGradCAM (Fu et al. 2020, "Axiom-based Grad-CAM"): channels weighted by the activation-weighted
 * mean of their gradient, chosen to satisfy the sensitivity and conservation axioms.
 * pytorch-grad-cam's `XGradCAM`.
 */
export const xGradCam: Method<CamOptions> = camMethod({
  id: 'xgradcam',
  requires: ['layerActivations', 'layerGradients'],
  layerMaps: (request) => gradientLayerMaps(request, (a, g, geometry, out) => weightedChannelSum(a, xGradCamWeights(a, g, geometry), geometry, out)),
});
