import { access, stat } from 'node:fs/promises';
import { CliError } from '../cli-error.js';
import type { ExitCodeName } from '../exit-codes.js';

/** A path the run will read, and what it is for (named in the message when it is missing). */
export interface ReadPath {
  readonly path: string;
  /** The option, e.g. '--input'. */
  /** What it is, in messages: 'the input', 'the model', 'the --labels file'. */
  readonly what: string;
  readonly kind: ExitCodeName;
  /** Folders are accepted (inputs, a tfjs model's folder). */
  readonly folder?: boolean;
}

/**
 * Checks, before any work, that every path the run reads exists and is readable, so that a typo
 * in the last option does not cost a whole run.
 */
export async function checkReadPaths(paths: readonly ReadPath[]): Promise<void> {
  for (const { path, what, kind, folder } of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
      await access(path);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'it is not readable' : error instanceof Error ? error.message : String(error);
      throw new CliError(kind, `Cannot read ${what} ${path}: ${reason}.`, { cause: error });
    }
    if (info.isDirectory() && !folder) throw new CliError(kind, `Cannot read ${what} ${path}: it is a folder; give a file.`);
  }
}
