/**
 * @packageDocumentation
 * The plugin author's kit for salience: analytic fake models with exactly known gradients, the
 * adapter and method conformance suites (vitest), and the Captum reference fixtures with their
 * loader and comparison helpers. The tfjs rebuilds of the fixture models are in `@salience/testing/tfjs`.
 * The adapter suite's single checks are reached through `planConformance(subject).groups`; the
 * method suite's are also exported one by one, for suites that group them their own way.
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

export type { ConformanceSubject, ConformanceCheck, ConformanceGroup, ConformancePlan } from './conformance.js';
export { describeModelConformance, planConformance, ConformanceError, DEFAULT_GRADIENT_TOLERANCE, BATCH_TOLERANCE } from './conformance.js';

export type { MethodConformanceSubject, MethodConformancePlan, SpiedCall, SpyModel, SpyOptions } from './method-conformance.js';
export {
  describeMethodConformance,
  planMethodConformance,
  DEFAULT_METHOD_TOLERANCE,
  spyModel,
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
  checkMethodContext,
  CONFORMANCE_CONTEXT,
} from './method-conformance.js';
