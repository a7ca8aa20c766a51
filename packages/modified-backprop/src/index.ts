/**
 * Modified backpropagation: attributions whose backward pass replaces the rule of some layers,
 * applied by models that build their own gradient graph (@salience/onnx).
 * @packageDocumentation
 */
export { guidedBackprop, deconvnet } from './modified-relu.js';
export type { ModifiedReluOptions } from './modified-relu.js';
export { deepLift } from './deep-lift.js';
export type { DeepLiftOptions } from './deep-lift.js';
export { assertBackwardRules } from './backward-capability.js';
export { guidedGradCam } from './guided-grad-cam.js';
export type { GuidedGradCamOptions } from './guided-grad-cam.js';
export { lrp } from './lrp.js';
export type { LrpOptions } from './lrp.js';
