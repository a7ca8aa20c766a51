/**
 * @packageDocumentation
 * Grad-CAM and Grad-CAM++ for salience: class activation maps at a named (or automatically found)
 * convolutional layer, at the layer's resolution or upsampled to the input with PyTorch's
 * interpolation, as `[maps, h, w]` ('NHW').
 */

export { ABLATION_OFFSET, ablationCam, ablationValue } from './ablation-cam.js';
export type { AttentionRolloutOptions, HeadFusion } from './attention-rollout.js';
export { ATTENTION_ROLLOUT_OPTION_KEYS, attentionRollout, rolloutStep } from './attention-rollout.js';
export type { CamOptions, CamSpec, LayerMapRequest, LayerMaps } from './cam-method.js';
export { CAM_OPTION_KEYS, camMethod, gradientLayerMaps } from './cam-method.js';
export type { ChannelWeighting, FeatureMapGeometry } from './class-activation-map.js';
export { eigenCam, eigenCamMap } from './eigen-cam.js';
export type { GradCamOptions, MapNormalization, Resolution } from './grad-cam.js';
export { GRAD_CAM_OPTION_KEYS, gradCam, gradCamMethod, gradCamPlusPlus, MAP_NORMALIZATIONS, RESOLUTIONS } from './grad-cam.js';
export { hiResCam } from './hires-cam.js';
export { layerCam } from './layer-cam.js';
export type { ChosenLayer } from './layer-choice.js';
export { chooseLayer } from './layer-choice.js';
export type { Upsample } from './resize.js';
export { UPSAMPLE_MODES } from './resize.js';
export { SCORE_CAM_EPSILON, scoreCam } from './score-cam.js';
export type { TokenGrid, TokenGridOption } from './token-grid.js';
export { tokenGrid, tokensToFeatureMap } from './token-grid.js';
export { XGRAD_CAM_EPSILON, xGradCam, xGradCamWeights } from './xgrad-cam.js';
