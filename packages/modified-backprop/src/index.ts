/**
 * Modified backpropagation: attributions whose backward pass replaces the rule of some layers,
 * applied by models that build their own gradient graph (@salience/onnx).
 * @packageDocumentation
 */

export { assertBackwardRules } from './backward-capability.js';
export type { DeepLiftOptions } from './deep-lift.js';
export { deepLift } from './deep-lift.js';
export type { GuidedGradCamOptions } from './guided-grad-cam.js';
export { guidedGradCam } from './guided-grad-cam.js';
export type { LrpOptions } from './lrp.js';
export { lrp } from './lrp.js';
export type { LrpBound } from './lrp-composite.js';
export { checkLrpComposite } from './lrp-composite.js';
export type { ModifiedReluOptions } from './modified-relu.js';
export { deconvnet, guidedBackprop } from './modified-relu.js';
