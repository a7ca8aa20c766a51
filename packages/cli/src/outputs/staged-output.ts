import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';

/** The file that marks a folder as a salience output (and holds the run's summary). */
export const SUMMARY_FILE = 'summary.json';

/**
 * An output folder written in a hidden sibling and moved into place only when complete, so that
 * a failed or interrupted run leaves nothing half-written (and an earlier output untouched).
 */
export interface StagedOutput {
  /** The final folder. */
  readonly target: string;
  /** Where files are written until `commit`. */
  readonly dir: string;
  commit(): Promise<void>;
  /** Removes everything written; safe to call after a commit (does nothing then). */
  discard(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Only an empty folder or an earlier salience output may be replaced: never a user's folder. */
async function checkReplaceable(target: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch {
    return;
  }
  if (!info.isDirectory()) throw new CliError('output', `--out ${target} is a file; give a folder path.`);
  const entries = await readdir(target);
  if (entries.length === 0) return;
  let ours = false;
  try {
    ours = (JSON.parse(await readFile(join(target, SUMMARY_FILE), 'utf8')) as { tool?: unknown }).tool === 'salience';
  } catch {
    ours = false;
  }
  if (!ours) {
    throw new CliError('output', `--out ${target} exists and is not a salience output (no ${SUMMARY_FILE}); choose a new folder, or empty this one.`);
  }
}

/** Creates the missing parents of `path`, returning those it created (deepest last). */
async function makeParents(path: string): Promise<string[]> {
  const missing: string[] = [];
  let current = path;
  while (!(await exists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing) await mkdir(folder);
  return missing;
}

export async function stageOutput(out: string): Promise<StagedOutput> {
  const target = resolve(out);
  await checkReplaceable(target);
  const parent = dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = join(parent, `.${basename(target)}.salience-${tag}`);
  let created: string[];
  try {
    created = await makeParents(parent);
    await mkdir(dir);
  } catch (error) {
    throw new CliError('output', `Cannot create the output folder next to ${target}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  // A hard exit (a second Ctrl-C, process.exit) skips async clean-up; remove the stage synchronously then.
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', onExit);
  let done = false;
  const finish = () => {
    done = true;
    process.off('exit', onExit);
  };
  return {
    target,
    dir,
    async commit() {
      if (done) return;
      const old = join(parent, `.${basename(target)}.salience-old-${tag}`);
      const hadTarget = await exists(target);
      try {
        if (hadTarget) await rename(target, old);
        try {
          await rename(dir, target);
        } catch (error) {
          if (hadTarget) await rename(old, target);
          throw error;
        }
      } catch (error) {
        throw new CliError('output', `Cannot move the output into ${target}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
      }
      finish();
      if (hadTarget) await rm(old, { recursive: true, force: true });
    },
    async discard() {
      if (done) return;
      finish();
      await rm(dir, { recursive: true, force: true });
      for (const folder of created.reverse()) await rmdir(folder).catch(() => {});
    },
  };
}
