export { addGradients, buildGradients, checkGradients } from './gradients.js';
export type { GradientModel, GradientNames, GradientSpec } from './gradients.js';

export { ModelGraph, MIN_OPSET, MAX_OPSET } from './model-graph.js';
export type { CreateModelOptions, InputDeclaration, NodeOptions } from './model-graph.js';
export type { Attributes, AttributeValue } from './attributes.js';
export type { Dim, TensorInfo } from './tensor-info.js';
export type { ElementType, ModelProto, NodeProto, TensorProto } from './proto.js';

export { reduce, reduceSum, squeeze, unsqueeze } from './emit.js';
export { appendTargetObjective } from './objective.js';
export type { ObjectiveKind, TargetObjective, TargetObjectiveOptions } from './objective.js';

export { supportedOps } from './rules/index.js';
export { validateCustomGradient } from './custom-gradient.js';
export { LRP_OPS, RESCALE_OPS, modifiedRuleProblems } from './modified-rules.js';
export type { ModifiedRules } from './modified-rules.js';
export type { CustomGradient, GradientGraphSource } from './custom-gradient.js';

export {
  AutodiffError,
  GradientSpecError,
  ModelFormatError,
  ShapeInferenceError,
  UnknownTensorError,
  UnsupportedOpError,
} from './errors.js';
export type { AutodiffErrorCode, UnsupportedNode } from './errors.js';
