import type { ModelLoader } from './models/loaded-model.js';
import type { ProgressStream } from './outputs/progress.js';

/** Where the command writes, and seams for tests and embedders. */
export interface CliContext {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  /** Aborts the run (Ctrl-C); the output folder is then left as it was. */
  readonly signal?: AbortSignal;
  /** Replaces the loading of model files (tests use fakes). */
  readonly loadModel?: ModelLoader;
  /** Paths in messages are shown relative to this folder; default the process's. */
  readonly cwd?: string;
}
