/**
 * @packageDocumentation
 * The `salience` command (see the README), and its pieces for scripts that want them in-process:
 * `runCli` runs a command line, `explain` runs an explanation and `audit` a dataset audit from a
 * typed request, `readNpy` and `writeNpy` read and write NumPy arrays.
 */

export type { AuditProgress, DatasetProgress } from './audit/progress.js';
export { createAuditProgress } from './audit/progress.js';
export type { AuditSummary } from './audit/summary.js';
export { CliError } from './cli-error.js';
export type { AuditChunkInfo, AuditDependencies } from './commands/audit.js';
export { AUDIT_DEFAULT_METHODS, audit } from './commands/audit.js';
export type { ExplainDependencies } from './commands/explain.js';
export { explain } from './commands/explain.js';
export type { ExampleSummary, ExplainMethodSummary, ExplainSummary } from './commands/explain-outputs.js';
export type { AuditRequest, ExplainRequest, RunSettings } from './commands/settings.js';
export type { ExitCode, ExitCodeName } from './exit-codes.js';
export { EXIT_CODES } from './exit-codes.js';
export type { Failure } from './failure.js';
export { describeFailure } from './failure.js';
export { DEFAULT_MAX_PIXELS, decodeImage } from './inputs/image-decoding.js';
export type { PreprocessingFlags } from './inputs/image-input.js';
export type { NpyArray } from './inputs/npy.js';
export { readNpy, writeNpy } from './inputs/npy.js';
export type { ChannelOrder, Preprocessing } from './inputs/preprocessing.js';
export { CHANNEL_ORDERS, imagesToTensor } from './inputs/preprocessing.js';
export type { CliContext } from './main.js';
export { runCli } from './main.js';
export type { BaselineFlag, MethodFlags, MethodName } from './methods/methods.js';
export { METHOD_NAMES, methodName } from './methods/methods.js';
export { BUILTIN_DIR, BUILTIN_LABELS, BUILTIN_MODEL, BUILTIN_ONNX_MODEL } from './models/builtin.js';
export type { LoadedModel, ModelFormat, ModelLoader, ModelLoadOptions } from './models/loaded-model.js';
export { loadModelFile } from './models/model-file.js';
export { loadTfjsModel, readTfjsArtifacts } from './models/tfjs-model-file.js';
export type { BackendName } from './models/tfjs-runtime.js';
export { BACKENDS, loadTfjs } from './models/tfjs-runtime.js';
export { MANIFEST_FILE } from './outputs/manifest.js';
export type { MethodProgress, Progress, ProgressMode } from './outputs/progress.js';
export { createProgress } from './outputs/progress.js';
