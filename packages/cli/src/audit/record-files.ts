import { randomBytes } from 'node:crypto';
import { copyFile, link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditRecord, encodeRecords } from '@salience/audit';
import { CliError } from '../cli-error.js';
import { chunkFile, openChunk, STATE_FOLDER, sealChunk } from './state.js';

/** How a record file came to be where it is. */
export type RecordWrite = 'written' | 'same' | 'kept-first' | 'replaced-damaged';

const temporaryName = (path: string) => `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;

/** The records in a sealed file, or undefined when it is absent or damaged. */
async function sealedRecords(path: string): Promise<Uint8Array | undefined> {
  try {
    return openChunk(new Uint8Array(await readFile(path)));
  } catch {
    return undefined;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/**
 * Puts a sealed file in place without ever changing one that is already there and sound: the
 * first completion of a chunk wins, a second one (a retried job, a worker that was thought dead)
 * leaves it as it is. The file appears whole (a hard link, or a rename where the filesystem has
 * no hard links), so a reader never sees half of it.
 */
async function placeOnce(path: string, sealed: Uint8Array): Promise<RecordWrite> {
  const temporary = temporaryName(path);
  try {
    await writeFile(temporary, sealed);
    let damaged = false;
    try {
      await link(temporary, path);
      return 'written';
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EEXIST') {
        const existing = await sealedRecords(path);
        if (existing) return sameBytes(existing, openChunk(sealed)) ? 'same' : 'kept-first';
        damaged = true;
      } else if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    }
    await rename(temporary, path);
    return damaged ? 'replaced-damaged' : 'written';
  } catch (error) {
    throw new CliError('output', `Cannot write ${path}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Writes a chunk's record files (one per model) into a state folder, as `salience audit` would,
 * each one only if it is not already there: the audited model's file last, since a chunk counts
 * as done when all of its files are there. Returns what happened to each file.
 */
export async function writeChunkOnce(dir: string, dataset: string, chunk: number, byModel: readonly (readonly AuditRecord[])[]): Promise<RecordWrite[]> {
  const outcomes: RecordWrite[] = [];
  for (let m = byModel.length - 1; m >= 0; m--) outcomes.unshift(await placeOnce(join(dir, chunkFile(dataset, chunk, m)), sealChunk(encodeRecords(byModel[m]!))));
  return outcomes;
}

/** Whether every record file of a chunk is in `dir` and sound (its checksum holds). */
export async function chunkIsSound(dir: string, dataset: string, chunk: number, models: number): Promise<boolean> {
  for (let m = 0; m < models; m++) if (!(await sealedRecords(join(dir, chunkFile(dataset, chunk, m))))) return false;
  return true;
}

/**
 * Copies a chunk's sound record files from another state folder into `dir` (a hard link where
 * both are on one filesystem: record files are never changed once written). Returns false when
 * the other folder lacks one of them or holds a damaged one.
 */
export async function importChunk(from: string, dir: string, dataset: string, chunk: number, models: number): Promise<boolean> {
  if (!(await chunkIsSound(from, dataset, chunk, models))) return false;
  for (let m = models - 1; m >= 0; m--) {
    const name = chunkFile(dataset, chunk, m);
    const target = join(dir, name);
    const temporary = temporaryName(target);
    try {
      await link(join(from, name), temporary).catch(() => copyFile(join(from, name), temporary));
      await rename(temporary, target);
    } catch (error) {
      throw new CliError('output', `Cannot copy ${join(from, name)} to ${target}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    } finally {
      await rm(temporary, { force: true });
    }
  }
  return true;
}

/** The state folder of an audit output folder (or the state folder itself), or undefined when it has none. */
export async function stateFolderOf(folder: string): Promise<string | undefined> {
  for (const dir of [join(folder, STATE_FOLDER), folder]) {
    const info = await stat(join(dir, 'run.json')).catch(() => undefined);
    if (info?.isFile()) return dir;
  }
  return undefined;
}

/** The configuration key in a state folder's run.json. */
export async function runKey(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { key?: Record<string, unknown> };
    return run.key;
  } catch {
    return undefined;
  }
}
