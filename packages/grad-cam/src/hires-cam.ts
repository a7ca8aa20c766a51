import type { Method } from '@salience/core';
import { type CamOptions, camMethod, gradientLayerMaps } from './cam-method.js';
import { channelSumOfProducts } from './elementwise-cam.js';

/**
 * HiResCAM (Draelos & Carin 2020): the map is the sum over channels of gradient x activation at
 * each position, with no spatial averaging of the gradient, so it is faithful to what the model
 * computes for architectures that end in a global average pool and a linear layer.
 * pytorch-grad-cam's `HiResCAM`.
 */
export const hiResCam: Method<CamOptions> = camMethod({
  id: 'hirescam',
  requires: ['layerActivations', 'layerGradients'],
  layerMaps: (request) => gradientLayerMaps(request, (a, g, geometry, out) => channelSumOfProducts(a, g, geometry, false, out)),
});
