import type { Method } from '@salience/core';
import { type CamOptions, camMethod, gradientLayerMaps } from './cam-method.js';
import { channelSumOfProducts } from './elementwise-cam.js';

/**
 * LayerCAM (Jiang et al. 2021): each activation is weighted by the positive part of its own
 * gradient, then summed over channels; finer than Grad-CAM at shallow layers.
 * pytorch-grad-cam's `LayerCAM`.
 */
export const layerCam: Method<CamOptions> = camMethod({
  id: 'layercam',
  requires: ['layerActivations', 'layerGradients'],
  layerMaps: (request) => gradientLayerMaps(request, (a, g, geometry, out) => channelSumOfProducts(a, g, geometry, true, out)),
});
