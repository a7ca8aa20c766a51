/**
 * @packageDocumentation
 * The `salience` command (see the README), and its pieces for scripts that want them in-process:
 * `runCli` runs a command line, `explain` runs an explanation and `audit` a dataset audit from a
 * typed request, `readNpy` and `writeNpy` read and write NumPy arrays.
 */
export type { CliContext } from './main.js';
export { runCli } from './main.js';

export type { ExplainRequest, ExplainDependencies, ExplainSummary, MethodSummary, ExampleSummary } from './explain.js';
export { explain } from './explain.js';

export type { AuditRequest, AuditDependencies, AuditChunkInfo } from './audit.js';
export { audit, AUDIT_DEFAULT_METHODS } from './audit.js';
export type { AuditSummary } from './audit-summary.js';
export type { AuditProgress, DatasetProgress } from './audit-progress.js';
export { createAuditProgress } from './audit-progress.js';

export type { LoadedModel, ModelLoader, ModelLoadOptions, ModelFormat } from './loaded-model.js';
export { loadModelFile } from './model-file.js';
export { loadTfjsModel, readTfjsArtifacts } from './tfjs-model-file.js';
export type { BackendName } from './tfjs-runtime.js';
export { BACKENDS, loadTfjs } from './tfjs-runtime.js';

export type { MethodName, MethodFlags, BaselineFlag } from './methods.js';
export { METHOD_NAMES, methodName } from './methods.js';

export type { NpyArray } from './npy.js';
export { readNpy, writeNpy } from './npy.js';

export type { ChannelOrder, Preprocessing } from './preprocessing.js';
export { CHANNEL_ORDERS, imagesToTensor } from './preprocessing.js';
export { decodeImage } from './image-decoding.js';
export type { PreprocessingFlags } from './image-input.js';

export type { Progress, MethodProgress, ProgressMode } from './progress.js';
export { createProgress } from './progress.js';

export type { ExitCode, ExitCodeName } from './exit-codes.js';
export { EXIT_CODES } from './exit-codes.js';
export { CliError } from './cli-error.js';
export type { Failure } from './failure.js';
export { describeFailure } from './failure.js';

export { BUILTIN_DIR, BUILTIN_MODEL, BUILTIN_ONNX_MODEL, BUILTIN_LABELS } from './builtin.js';
