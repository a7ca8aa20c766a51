/**
 * @packageDocumentation
 * The plugin author's kit for salience: analytic fake models with exactly known gradients, the
 * adapter and method conformance suites (vitest), and the Captum reference fixtures with their
 * loader and comparison helpers. The tfjs rebuilds of the fixture models are in `@salience/testing/tfjs`.
 * The adapter suite's single checks are reached through `planConformance(subject).groups`; the
 * method suite's are also exported one by one, for suites that group them their own way.
 */

export type { Comparison, MapComparison } from './compare.js';
export { compareMaps, expectMapsClose } from './compare.js';
export type { ConformanceCheck, ConformanceGroup, ConformancePlan, ConformanceSubject } from './conformance.js';
export { BATCH_TOLERANCE, ConformanceError, DEFAULT_GRADIENT_TOLERANCE, describeModelConformance, planConformance } from './conformance.js';
export type { AnalyticLayer, AnalyticNet, RowState } from './fakes/analytic-net.js';
export type { EmbeddingTable, FakeModelOptions, FakeModelSpec, RecordedRequest } from './fakes/fake-model.js';
export { FakeModel } from './fakes/fake-model.js';
export type { ImageFakeOptions, ImageParams } from './fakes/image.js';
export { createImageModel, imageParams } from './fakes/image.js';
export type { TabularFakeOptions, TabularParams } from './fakes/tabular.js';
export { createForwardOnlyModel, createTabularModel, tabularParams } from './fakes/tabular.js';
export type { TokenFakeOptions, TokenParams } from './fakes/tokens.js';
export { createTokenModel, tokenParams } from './fakes/tokens.js';
export type { CaptumFixture, CaptumModelName, FixtureArray, FixtureManifest, ParsedFixture } from './fixtures.js';
export { CAPTUM_MODELS, captumFixtureUrl, loadCaptumFixture, parseFixtureArrays } from './fixtures.js';
export { nchwToNhwc, nhwcToNchw } from './layout.js';

export type { MethodConformancePlan, MethodConformanceSubject, SpiedCall, SpyModel, SpyOptions } from './method-conformance.js';
export {
  CONFORMANCE_CONTEXT,
  checkMethodAbort,
  checkMethodBatchBound,
  checkMethodBatching,
  checkMethodCapabilities,
  checkMethodContext,
  checkMethodDescription,
  checkMethodDeterminism,
  checkMethodInputErrors,
  checkMethodMultiTargets,
  checkMethodNoLeaks,
  checkMethodNoMutation,
  checkMethodOptionErrors,
  checkMethodOutput,
  checkMethodProgress,
  checkMethodSeeds,
  checkMethodTargetErrors,
  checkMethodTargets,
  DEFAULT_METHOD_TOLERANCE,
  describeMethodConformance,
  planMethodConformance,
  spyModel,
} from './method-conformance.js';
