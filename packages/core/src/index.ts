/**
 * @packageDocumentation
 * The contracts of salience. A `Model` (an adapter over tfjs, ONNX Runtime or your own runtime)
 * answers requests for named outputs; a `Method` declares which outputs it needs and turns them
 * into an `Attribution`. Everything crossing between packages is plain `TensorData`.
 */

export type { BatchLoopOptions } from './batching.js';
export { batchRanges, checkBatchSize, DEFAULT_BATCH_ELEMENTS, defaultBatchSize, forEachBatch, yieldToEventLoop } from './batching.js';
export { gaussianBlur, gaussianKernel } from './blur.js';
export { assertCapabilities } from './capabilities.js';
export type { Context } from './context.js';
export { contextRows, resolveContext } from './context.js';
export type { SalienceErrorCode } from './errors.js';
export {
  AbortError,
  CapabilityError,
  GradientsUnavailableError,
  ModelError,
  OptionError,
  SalienceError,
  ShapeError,
  TargetError,
  throwIfAborted,
  UnknownLayerError,
} from './errors.js';
export { checkInput } from './input.js';
export type { WorkLimit } from './limits.js';
export { checkLimit, WORK_LIMITS } from './limits.js';
export type { Attribution, CommonOptions, Method, OptionsOf, ValuesLayout } from './method.js';
export type {
  BackwardRuleKind,
  BackwardRules,
  LayerInfo,
  Layout,
  LrpComposite,
  LrpCompositeName,
  LrpRule,
  Model,
  ModelOutputs,
  ModelRequest,
  Objective,
  OutputName,
  RandomizeOptions,
  RowTarget,
} from './model.js';
export { GRADIENT_OUTPUTS, LRP_COMPOSITES, LRP_RULES } from './model.js';
export { modelWithRun } from './model-with-run.js';
export type { Normalization, NormalizeOptions } from './normalize.js';
export { cumulativeThreshold, normalize } from './normalize.js';
export { checkObjective, objectiveAndLogitGradient, objectiveForRows, objectiveName } from './objective.js';
export { COMMON_OPTION_KEYS, checkOptionKeys, closestName } from './option-keys.js';
export type { Compatibility, CompatibilityOptions, PluginStamp } from './plugin.js';
export { CORE_VERSION, checkPluginCompatibility } from './plugin.js';
export type { MethodCall, MethodSpec, RowsRequest } from './prologue.js';
export { beginMethod, checkMethodFit } from './prologue.js';
export type { ChannelReduction } from './reduce.js';
export { CHANNEL_REDUCTIONS, channelAxis, inputShapedMaps, reduceChannels } from './reduce.js';
export type { ForwardPlan, GradientPlan, ModelFacts, RequestPlan } from './request-plan.js';
export { checkContextRows, checkPlanClasses, checkRandomizeRequest, KNOWN_OUTPUTS, logitGradient, planRequest } from './request-plan.js';
export type { Rng } from './rng.js';
export { createRng, portableLog } from './rng.js';
export { symmetricEigen } from './symmetric-eigen.js';
export type { ResolvedTargets, ResolveTargetsOptions, Target } from './targets.js';
export { argmaxRows, checkLogitRows, logitsInBatches, resolveTargets, rowTargets } from './targets.js';
export type { TensorData } from './tensor.js';
export {
  assertShape,
  batchSizeOf,
  concatRows,
  gatherRows,
  row,
  rowSize,
  sameShape,
  sizeOf,
  sliceRows,
  tensor,
  zerosLike,
} from './tensor.js';
