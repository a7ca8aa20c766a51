/**
 * @packageDocumentation
 * The TensorFlow.js adapter of salience: wraps a `tf.LayersModel`, a `tf.GraphModel` or a function
 * as a salience `Model` that gives logits, input gradients, any layer's activations and gradients,
 * and token embeddings with their gradients, on whatever backend you chose; and modified backward
 * rules (Guided Backprop, Deconvnet, DeepLIFT's rescale).
 */

export type { ReluRule } from './backward-rules.js';
export { FUSED_ACTIVATION_KERNELS, RELU_RULE_KERNELS, RESCALE_KERNELS, reluRuleGradient, TFJS_BACKWARD_RULES, withReluRule, withRescaleRule } from './backward-rules.js';
export { BACKWARD_KERNELS, borrowCpuBackwardKernels, missingBackwardKernels } from './cpu-kernel-fallback.js';
export { FILTER_GRADIENT_KERNELS, withoutFilterGradients } from './filter-gradients.js';
export type { FirstWinsPadding } from './first-wins-max-pool.js';
export { FIRST_WINS_MAX_POOL_BACKENDS, firstWinsMaxPoolGrad, withFirstWinsMaxPool } from './first-wins-max-pool.js';
export type { EmbeddingFunctions } from './function-source.js';
export { gradientsRegistered } from './gradient-registry.js';
export type { TfjsModelOptions } from './options.js';
export type { TfjsFunction, TfjsGraphModel, TfjsLayer, TfjsLayersModel, TfjsSource, TfNamespace } from './tf-types.js';
export type { TfjsModel } from './tfjs-model.js';
export { fromTfjs } from './tfjs-model.js';
