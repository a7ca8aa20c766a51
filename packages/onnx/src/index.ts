/**
 * @packageDocumentation
 * The ONNX Runtime adapter of salience: wraps an ONNX model, run by your onnxruntime-node or
 * onnxruntime-web, as a salience `Model`. Logits come from plain inference; input, layer and
 * embedding gradients from the model extended with a reverse-mode gradient graph
 * (@salience/onnx-autodiff), built once per kind of request.
 */

export type { CustomGradient, GradientGraphSource } from '@salience/onnx-autodiff';
export { supportedOps } from '@salience/onnx-autodiff';
export { moduleScopes } from './layers.js';
export type { OnnxModel } from './onnx-model.js';
export { fromOnnx } from './onnx-model.js';
export type { MaxPoolTies, OnnxModelOptions, OnnxModelSource, SessionAndBytes } from './options.js';
export { defaultMaxPoolTies } from './options.js';
export type { FedType, OrtModule } from './ort-types.js';
