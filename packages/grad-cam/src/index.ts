/**
 * @packageDocumentation
 * Grad-CAM and Grad-CAM++ for salience: class activation maps at a named (or automatically found)
 * convolutional layer, at the layer's resolution or upsampled to the input with PyTorch's
 * interpolation, as `[maps, h, w]` ('NHW').
 */
export type { GradCamOptions, MapNormalization, Resolution } from './grad-cam.js';
export { gradCam, gradCamPlusPlus, gradCamMethod, GRAD_CAM_OPTION_KEYS, MAP_NORMALIZATIONS, RESOLUTIONS } from './grad-cam.js';

export type { ChannelWeighting, FeatureMapGeometry } from './class-activation-map.js';

export type { ChosenLayer } from './layer-choice.js';
export { chooseLayer } from './layer-choice.js';

export type { Upsample } from './resize.js';
export { UPSAMPLE_MODES } from './resize.js';

export type { CamOptions, CamSpec, LayerMapRequest, LayerMaps } from './cam-method.js';
export { camMethod, gradientLayerMaps, CAM_OPTION_KEYS } from './cam-method.js';
export { hiResCam } from './hires-cam.js';
export { layerCam } from './layer-cam.js';
export { xGradCam, xGradCamWeights, XGRAD_CAM_EPSILON } from './xgrad-cam.js';
export { scoreCam, SCORE_CAM_EPSILON } from './score-cam.js';
export { eigenCam, eigenCamMap } from './eigen-cam.js';
export type { TokenGrid, TokenGridOption } from './token-grid.js';
export { tokenGrid, tokensToFeatureMap } from './token-grid.js';
export type { AttentionRolloutOptions, HeadFusion } from './attention-rollout.js';
export { attentionRollout, rolloutStep, ATTENTION_ROLLOUT_OPTION_KEYS } from './attention-rollout.js';
