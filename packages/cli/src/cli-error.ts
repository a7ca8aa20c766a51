import { EXIT_CODES, type ExitCode, type ExitCodeName } from './exit-codes.js';

/**
 * A failure of the command itself (bad flag, unreadable file...). Library failures keep their
 * own typed errors; `exitCodeOf` maps both to an exit status.
 */
export class CliError extends Error {
  /** Which kind of failure; the key of its exit status in `EXIT_CODES`. */
  readonly kind: ExitCodeName;

  constructor(kind: ExitCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.kind = kind;
  }

  get exitCode(): ExitCode {
    return EXIT_CODES[this.kind];
  }
}

export const usageError = (message: string) => new CliError('usage', message);
