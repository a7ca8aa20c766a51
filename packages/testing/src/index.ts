/**
 * @packageDocumentation
 * The plugin author's kit for salience: analytic fake models with exactly known gradients, the
 * adapter and method conformance suites (vitest), and the Captum reference fixtures with their
 * loader and comparison helpers. The tfjs rebuilds of the fixture models are in `@salience/testing/tfjs`.
 */
export type { FixtureArray, FixtureManifest, ParsedFixture, CaptumModelName, CaptumFixture } from './fixtures.js';
export { parseFixtureArrays, loadCaptumFixture, captumFixtureUrl, CAPTUM_MODELS } from './fixtures.js';
export { nchwToNhwc, nhwcToNchw } from './layout.js';
export type { MapComparison, Comparison } from './compare.js';
export { compareMaps, expectMapsClose } from './compare.js';

export type { AnalyticNet, AnalyticLayer, RowState } from './fakes/analytic-net.js';
export type { FakeModelOptions, FakeModelSpec, RecordedRequest, EmbeddingTable } from './fakes/fake-model.js';
export { FakeModel } from './fakes/fake-model.js';
export type { TabularFakeOptions, TabularParams } from './fakes/tabular.js';
export { createTabularModel, createForwardOnlyModel, tabularParams } from './fakes/tabular.js';
export type { ImageFakeOptions, ImageParams } from './fakes/image.js';
export { createImageModel, imageParams } from './fakes/image.js';
export type { TokenFakeOptions, TokenParams } from './fakes/tokens.js';
export { createTokenModel, tokenParams } from './fakes/tokens.js';

export type { ConformanceSubject, ConformanceCheck, ConformanceGroup, ConformancePlan, ObjectiveCase } from './conformance.js';
export {
  describeModelConformance,
  planConformance,
  ConformanceError,
  KNOWN_OUTPUTS,
  DEFAULT_GRADIENT_TOLERANCE,
  BATCH_TOLERANCE,
  OBJECTIVE_CASES,
  checkDescription,
  checkLogits,
  checkUndeclaredOutputs,
  checkPluginStamp,
  checkTargets,
  checkInputGradientShape,
  checkLayerOutputs,
  checkEmbeddings,
  checkGradientObjective,
  checkLayerGradientObjective,
  checkLayerGradientValues,
  checkBatching,
  checkDeterminism,
  checkRejectsBadInput,
  checkRejectsUnknownLayer,
  checkRejectsBadTargets,
  checkRequiresTarget,
  checkRejectsUnknownObjective,
  checkHonoursAbort,
  checkNoMutation,
  checkNoLeaks,
  checkDispose,
} from './conformance.js';

export type { MethodConformanceSubject, MethodConformancePlan, SpiedCall, SpyModel, SpyOptions } from './method-conformance.js';
export {
  describeMethodConformance,
  planMethodConformance,
  DEFAULT_METHOD_TOLERANCE,
  spyModel,
  checkAttributionStructure,
  checkMethodDescription,
  checkMethodOutput,
  checkMethodTargets,
  checkMethodMultiTargets,
  checkMethodBatching,
  checkMethodBatchBound,
  checkMethodDeterminism,
  checkMethodSeeds,
  checkMethodOptionErrors,
  checkMethodInputErrors,
  checkMethodTargetErrors,
  checkMethodCapabilities,
  checkMethodAbort,
  checkMethodProgress,
  checkMethodNoMutation,
  checkMethodNoLeaks,
} from './method-conformance.js';
