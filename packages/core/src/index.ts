/**
 * @packageDocumentation
 * The contracts of salience. A `Model` (an adapter over tfjs, ONNX Runtime or your own runtime)
 * answers requests for named outputs; a `Method` declares which outputs it needs and turns them
 * into an `Attribution`. Everything crossing between packages is plain `TensorData`.
 */
export type { TensorData } from './tensor.js';
export {
  tensor,
  sizeOf,
  zerosLike,
  batchSizeOf,
  rowSize,
  row,
  sliceRows,
  gatherRows,
  concatRows,
  sameShape,
  assertShape,
} from './tensor.js';

export type { Layout, ModelOutputs, OutputName, RowTarget, Objective, ModelRequest, LayerInfo, Model, RandomizeOptions, BackwardRules, BackwardRuleKind } from './model.js';
export { GRADIENT_OUTPUTS } from './model.js';

export type { ValuesLayout, CommonOptions, Attribution, Method, OptionsOf } from './method.js';

export type { Target, ResolvedTargets, ResolveTargetsOptions } from './targets.js';
export { resolveTargets, rowTargets, argmaxRows, logitsInBatches } from './targets.js';

export { assertCapabilities } from './capabilities.js';

export type { PluginStamp, Compatibility, CompatibilityOptions } from './plugin.js';
export { CORE_VERSION, checkPluginCompatibility } from './plugin.js';
export { checkInput } from './input.js';
export type { ModelFacts, RequestPlan, ForwardPlan, GradientPlan } from './request-plan.js';
export { KNOWN_OUTPUTS, planRequest, checkPlanClasses, logitGradient, checkContextRows, checkRandomizeRequest } from './request-plan.js';
export { objectiveName, checkObjective, objectiveAndLogitGradient, objectiveForRows } from './objective.js';

export type { BatchLoopOptions } from './batching.js';
export { DEFAULT_BATCH_ELEMENTS, defaultBatchSize, checkBatchSize, batchRanges, forEachBatch, yieldToEventLoop } from './batching.js';

export type { MethodSpec, MethodCall, RowsRequest } from './prologue.js';
export { beginMethod, checkMethodFit } from './prologue.js';
export type { Context } from './context.js';
export { resolveContext, contextRows } from './context.js';
export type { WorkLimit } from './limits.js';
export { WORK_LIMITS, checkLimit } from './limits.js';
export { COMMON_OPTION_KEYS, checkOptionKeys, closestName } from './option-keys.js';

export type { Rng } from './rng.js';
export { createRng, portableLog } from './rng.js';

export type { ChannelReduction } from './reduce.js';
export { CHANNEL_REDUCTIONS, channelAxis, reduceChannels, inputShapedMaps } from './reduce.js';

export { gaussianBlur, gaussianKernel } from './blur.js';
export { symmetricEigen } from './symmetric-eigen.js';

export type { Normalization, NormalizeOptions } from './normalize.js';
export { normalize, cumulativeThreshold } from './normalize.js';

export type { SalienceErrorCode } from './errors.js';
export {
  SalienceError,
  ShapeError,
  OptionError,
  TargetError,
  UnknownLayerError,
  CapabilityError,
  GradientsUnavailableError,
  AbortError,
  ModelError,
  throwIfAborted,
} from './errors.js';
