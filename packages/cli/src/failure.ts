import { CliError } from './cli-error.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** What a failed run reports: the exit status, a stable code for scripts, and the message. */
export interface Failure {
  readonly exitCode: ExitCode;
  /** `SalienceError.code` (or an ONNX autodiff code) for library errors, the kind for the command's own. */
  readonly code: string;
  readonly message: string;
}

/** Library error codes (@salience/core, @salience/onnx-autodiff) and the exit status each one means. */
const BY_CODE: Readonly<Record<string, ExitCode>> = {
  INVALID_OPTION: EXIT_CODES.usage,
  INVALID_TARGET: EXIT_CODES.usage,
  INVALID_SHAPE: EXIT_CODES.inputFile,
  UNKNOWN_LAYER: EXIT_CODES.unknownLayer,
  UNKNOWN_TENSOR: EXIT_CODES.unknownLayer,
  UNSUPPORTED_OP: EXIT_CODES.unsupportedOp,
  NO_GRADIENTS: EXIT_CODES.noGradients,
  MISSING_CAPABILITY: EXIT_CODES.noGradients,
  MODEL_FAILED: EXIT_CODES.modelFailed,
  INVALID_MODEL: EXIT_CODES.modelFile,
  ABORTED: EXIT_CODES.aborted,
};

function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Maps any thrown value to its exit status; unknown errors are failures (1) with their message. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.kind, message: error.message };
  // The library names its options and API calls; on the command line they are flags and commands.
  const message = (error instanceof Error ? error.message : String(error))
    .replace(/the option limits: \{ (\w+): (\d+) \}/g, '--limit $1=$2')
    .replace(/Use model\.layers\(\) to list them\./g, 'Run `salience layers --model <file>` to list them.')
    .replace(/`?model\.layers\(\)`?/g, '`salience layers --model <file>`');
  const code = codeOf(error);
  if (code !== undefined && code in BY_CODE) return { exitCode: BY_CODE[code]!, code, message };
  return { exitCode: EXIT_CODES.failure, code: code ?? 'FAILURE', message };
}
