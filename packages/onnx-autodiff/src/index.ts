export type { Attributes, AttributeValue } from './attributes.js';
export type { CustomGradient, GradientGraphSource } from './custom-gradient.js';
export { validateCustomGradient } from './custom-gradient.js';
export { reduce, reduceSum, squeeze, unsqueeze } from './emit.js';
export type { AutodiffErrorCode, UnsupportedNode } from './errors.js';
export {
  AutodiffError,
  GradientSpecError,
  ModelFormatError,
  ShapeInferenceError,
  UnknownTensorError,
  UnsupportedOpError,
} from './errors.js';
export type { ExternalizeOptions } from './external-weights.js';
export { externalizeWeights } from './external-weights.js';
export type { GradientModel, GradientNames, GradientSpec } from './gradients.js';
export { addGradients, buildGradients, checkGradients } from './gradients.js';
export { makeNode, makeValueInfo } from './messages.js';
export type { CreateModelOptions, InputDeclaration, NodeOptions } from './model-graph.js';
export { MAX_OPSET, MIN_OPSET, ModelGraph } from './model-graph.js';
export type { ModifiedRules } from './modified-rules.js';
export { LRP_OPS, modifiedRuleProblems, RESCALE_OPS } from './modified-rules.js';
export type { ObjectiveKind, TargetObjective, TargetObjectiveOptions } from './objective.js';
export { appendTargetObjective } from './objective.js';
export type { AttributeProto, ElementType, GraphProto, ModelProto, NodeInit, NodeProto, TensorInit, TensorProto, ValueInfoProto } from './proto.js';
export {
  AttributeProtoSchema,
  AttributeType,
  DataLocation,
  DataType,
  GraphProtoSchema,
  ModelProtoSchema,
  makeTensor,
  NodeProtoSchema,
  TensorProtoSchema,
  ValueInfoProtoSchema,
} from './proto.js';
export { supportedOps } from './rules/index.js';
export type { Dim, TensorInfo } from './tensor-info.js';
