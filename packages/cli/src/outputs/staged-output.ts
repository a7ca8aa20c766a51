import { randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { access, mkdir, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { folderOwnership, listFiles, MANIFEST_FILE, manifestText, someFiles } from './manifest.js';

/** The file that holds the run's summary. */
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
  /** Lists the files in the manifest and moves them into place. */
  commit(): Promise<void>;
  /** Removes everything written; safe to call after a commit (does nothing then). */
  discard(): Promise<void>;
}

export interface OutputFolderOptions {
  /** Write beside files that salience did not write (they are kept; only listed files are replaced). */
  readonly overwrite?: boolean;
  /** The command, recorded in the manifest. */
  readonly command?: string;
  /** Files and folders the run will write: with `overwrite`, refused up front when one is not salience's. */
  readonly reserved?: readonly string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const clashes = (files: readonly string[], names: readonly string[]) => files.filter((f) => names.some((n) => f === n || f.startsWith(`${n}/`)));

/**
 * Checks, before any work, that `out` may be written: absent, empty, or holding only files an
 * earlier salience run listed in its manifest. Other files are never removed: the folder is
 * refused, or with `overwrite` written beside them (refused still when a name the run writes is
 * taken by one of them).
 */
export async function checkOutputFolder(out: string, options: OutputFolderOptions = {}): Promise<void> {
  const target = resolve(out);
  const { exists: present, foreign } = await folderOwnership(target, '--out');
  if (!present) await checkCreatable(target, out);
  if (foreign.length === 0) return;
  if (!options.overwrite) {
    throw new CliError(
      'output',
      `--out ${out} holds files that salience did not write (${someFiles(foreign)}); choose a new or empty folder, or give --overwrite to write beside them (only files an earlier salience run listed in ${MANIFEST_FILE} are replaced).`,
    );
  }
  const taken = clashes(foreign, options.reserved ?? []);
  if (taken.length > 0) {
    throw new CliError('output', `--out ${out} holds ${someFiles(taken)}, which salience did not write and would replace; move it away or choose another folder.`);
  }
}

/** A folder that does not exist yet must be creatable: its nearest existing ancestor a writable folder. */
async function checkCreatable(target: string, out: string): Promise<void> {
  let ancestor = dirname(target);
  while (!(await exists(ancestor)) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  const info = await stat(ancestor).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError('output', `--out ${out} cannot be created: ${ancestor} is a file, not a folder.`);
  try {
    await access(ancestor, constants.W_OK);
  } catch {
    throw new CliError('output', `--out ${out} cannot be created: ${ancestor} is not writable; choose a folder you can write to.`);
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

/** Removes folders under (and including) `dir` that are empty once their empty subfolders are gone. */
async function removeEmptyFolders(dir: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyFolders(join(dir, entry.name));
  await rmdir(dir).catch(() => {});
}

export async function stageOutput(out: string, options: OutputFolderOptions = {}): Promise<StagedOutput> {
  const target = resolve(out);
  await checkOutputFolder(out, options);
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
  const fail = (error: unknown) => new CliError('output', `Cannot move the output into ${target}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  return {
    target,
    dir,
    async commit() {
      if (done) return;
      const written = await listFiles(dir);
      await writeFile(join(dir, MANIFEST_FILE), manifestText(options.command ?? 'explain', written));
      // Checked again: the folder may have changed while the methods ran.
      const now = await folderOwnership(target, '--out');
      if (now.foreign.length > 0 && !options.overwrite) await checkOutputFolder(out, options);
      if (!now.exists || now.foreign.length === 0) {
        // Only salience's files (or none): swap the folders, then remove the listed files of the old one.
        const old = join(parent, `.${basename(target)}.salience-old-${tag}`);
        try {
          if (now.exists) await rename(target, old);
          try {
            await rename(dir, target);
          } catch (error) {
            if (now.exists) await rename(old, target);
            throw error;
          }
        } catch (error) {
          throw fail(error);
        }
        finish();
        if (now.exists) {
          for (const file of [...now.ours, MANIFEST_FILE]) await unlink(join(old, file)).catch(() => {});
          await removeEmptyFolders(old);
        }
        return;
      }
      // --overwrite beside the user's files: replace only listed files, never another.
      const taken = written.filter((f) => now.foreign.includes(f) || now.foreign.some((g) => f.startsWith(`${g}/`) || g.startsWith(`${f}/`)));
      if (taken.length > 0)
        throw new CliError('output', `--out ${out} holds ${someFiles(taken)}, which salience did not write and would replace; move it away or choose another folder.`);
      try {
        for (const file of now.ours) {
          if (written.includes(file)) continue;
          await unlink(join(target, file)).catch(() => {});
          // Its folders go too when nothing else is left in them.
          for (let folder = dirname(join(target, file)); folder !== target && folder.startsWith(target); folder = dirname(folder)) {
            if (
              !(await rmdir(folder).then(
                () => true,
                () => false,
              ))
            )
              break;
          }
        }
        for (const file of [...written, MANIFEST_FILE]) {
          await mkdir(dirname(join(target, file)), { recursive: true });
          await rename(join(dir, file), join(target, file));
        }
      } catch (error) {
        throw fail(error);
      }
      finish();
      await rm(dir, { recursive: true, force: true });
    },
    async discard() {
      if (done) return;
      finish();
      await rm(dir, { recursive: true, force: true });
      for (const folder of created.reverse()) await rmdir(folder).catch(() => {});
    },
  };
}
