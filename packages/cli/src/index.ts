/**
 * @packageDocumentation
 * The `salience` command (see the README), and its pieces for scripts that want them in-process:
 * `runCli` runs a command line, `explain` runs an explanation and `audit` a dataset audit from a
 * typed request, `readNpy` and `writeNpy` read and write NumPy arrays.
 */
export type { CliContext } from './main.js';
export { runCli } from './main.js';

export type { RunSettings, ExplainRequest, AuditRequest } from './commands/settings.js';
export type { ExplainDependencies } from './commands/explain.js';
export type { ExplainSummary, ExplainMethodSummary, ExampleSummary } from './commands/explain-outputs.js';
export { explain } from './commands/explain.js';

export type { AuditDependencies, AuditChunkInfo } from './commands/audit.js';
export { audit, AUDIT_DEFAULT_METHODS } from './commands/audit.js';
export type { AuditSummary } from './audit/summary.js';
export type { AuditProgress, DatasetProgress } from './audit/progress.js';
export { createAuditProgress } from './audit/progress.js';

export type { LoadedModel, ModelLoader, ModelLoadOptions, ModelFormat } from './models/loaded-model.js';
export { loadModelFile } from './models/model-file.js';
export { loadTfjsModel, readTfjsArtifacts } from './models/tfjs-model-file.js';
export type { BackendName } from './models/tfjs-runtime.js';
export { BACKENDS, loadTfjs } from './models/tfjs-runtime.js';

export type { MethodName, MethodFlags, BaselineFlag } from './methods/methods.js';
export { METHOD_NAMES, methodName } from './methods/methods.js';

export type { NpyArray } from './inputs/npy.js';
export { readNpy, writeNpy } from './inputs/npy.js';

export type { ChannelOrder, Preprocessing } from './inputs/preprocessing.js';
export { CHANNEL_ORDERS, imagesToTensor } from './inputs/preprocessing.js';
export { DEFAULT_MAX_PIXELS, decodeImage } from './inputs/image-decoding.js';
export { MANIFEST_FILE } from './outputs/manifest.js';
export type { PreprocessingFlags } from './inputs/image-input.js';

export type { Progress, MethodProgress, ProgressMode } from './outputs/progress.js';
export { createProgress } from './outputs/progress.js';

export type { ExitCode, ExitCodeName } from './exit-codes.js';
export { EXIT_CODES } from './exit-codes.js';
export { CliError } from './cli-error.js';
export type { Failure } from './failure.js';
export { describeFailure } from './failure.js';

export { BUILTIN_DIR, BUILTIN_MODEL, BUILTIN_ONNX_MODEL, BUILTIN_LABELS } from './models/builtin.js';
