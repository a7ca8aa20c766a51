import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AuditRecord, decodeRecords, encodeRecords } from '@salience/audit';
import { CliError } from '../cli-error.js';
import { SUMMARY_FILE } from '../outputs/staged-output.js';

/** The hidden folder in `--out` where an audit keeps its finished chunks. */
export const STATE_FOLDER = '.salience-audit';
const RUN_FILE = 'run.json';
const STATE_VERSION = 1;

/**
 * What an audit keeps on disk to resume: `run.json` (the configuration the chunks were computed
 * with) and one record file per finished (dataset, chunk, model). Files are written under a
 * temporary name and renamed, so an interruption never leaves half a file.
 */
export interface AuditState {
  /** The output folder, absolute. */
  readonly out: string;
  readonly dir: string;
  /** Whether the files of a finished chunk are there (they are checked when read). */
  hasChunk(dataset: string, chunk: number, models: number): Promise<boolean>;
  /** The records of a finished chunk, one list per model; undefined when it must be computed. */
  readChunk(dataset: string, chunk: number, models: number, first: number, count: number): Promise<AuditRecord[][] | undefined>;
  writeChunk(dataset: string, chunk: number, byModel: readonly (readonly AuditRecord[])[]): Promise<void>;
  /** Writes an output file of the audit into `out`, atomically. */
  writeOutput(name: string, content: string | Uint8Array): Promise<void>;
}

function chunkFile(dataset: string, chunk: number, model: number): string {
  return `${dataset}-${String(chunk).padStart(4, '0')}.m${model}.rec`;
}

async function writeAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError('output', `Cannot write ${path}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** An audit output (ours to resume or replace): it has our state folder, or an audit summary. */
async function isAuditOutput(out: string): Promise<boolean> {
  const entries = await readdir(out);
  if (entries.includes(STATE_FOLDER)) return true;
  const summary = (await readJson(join(out, SUMMARY_FILE))) as { tool?: unknown; command?: unknown } | undefined;
  return summary?.tool === 'salience' && summary.command === 'audit';
}

/** The top-level parts of two configurations that differ, to say what changed. */
function changedParts(before: unknown, now: Readonly<Record<string, unknown>>): string[] {
  const old = (before ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
}

export interface OpenStateOptions {
  /** Discard whatever an earlier audit left in `out`. */
  readonly fresh?: boolean;
  readonly note?: (message: string) => void;
}

/**
 * Opens (or starts) the audit state in `out`. The same configuration resumes; another one is
 * refused unless `fresh` (which discards the old state and outputs). A folder that is not an
 * audit output is never touched unless empty.
 */
export async function openAuditState(outPath: string, key: Readonly<Record<string, unknown>>, options: OpenStateOptions = {}): Promise<AuditState> {
  const out = resolve(outPath);
  const dir = join(out, STATE_FOLDER);
  const note = options.note ?? (() => {});
  let exists = false;
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw new CliError('output', `--out ${outPath} is a file; give a folder path.`);
    exists = true;
  } catch (error) {
    if (error instanceof CliError) throw error;
  }
  if (exists && (await readdir(out)).length > 0 && !(await isAuditOutput(out))) {
    throw new CliError('output', `--out ${outPath} exists and is not a salience audit output; choose a new folder, or empty this one.`);
  }
  const fingerprint = { version: STATE_VERSION, ...key };
  const previous = (await readJson(join(dir, RUN_FILE))) as { key?: unknown } | undefined;
  const same = previous !== undefined && JSON.stringify(previous.key) === JSON.stringify(fingerprint);
  const hasState = exists && (await readdir(out)).includes(STATE_FOLDER);
  if (hasState && !same && !options.fresh) {
    const changed = changedParts(previous?.key, fingerprint);
    throw new CliError(
      'output',
      `--out ${outPath} holds an audit with another configuration${changed.length > 0 ? ` (${changed.join(', ')} changed)` : ''}; give --fresh to discard it and start over, or choose another --out.`,
    );
  }
  const resume = same && !options.fresh;
  if (exists && !resume) {
    // Our own files only: the state, and what an audit writes.
    for (const entry of await readdir(out)) {
      if (entry === STATE_FOLDER || entry === SUMMARY_FILE || entry === 'report.html' || /^class-means-.*\.png$/.test(entry)) {
        await rm(join(out, entry), { recursive: true, force: true });
      }
    }
    if (hasState) note(`--fresh: discarded the earlier audit in ${outPath}.`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliError('output', `Cannot create the output folder ${outPath}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  // A crash between writing and renaming leaves a temporary file: never a chunk, so it can go.
  for (const entry of await readdir(dir)) if (entry.endsWith('.tmp')) await unlink(join(dir, entry)).catch(() => {});
  if (!resume) await writeAtomically(join(dir, RUN_FILE), `${JSON.stringify({ key: fingerprint, started: new Date().toISOString() }, null, 2)}\n`);

  return {
    out,
    dir,
    async hasChunk(dataset, chunk, models) {
      for (let m = 0; m < models; m++) {
        const info = await stat(join(dir, chunkFile(dataset, chunk, m))).catch(() => undefined);
        if (!info?.isFile()) return false;
      }
      return true;
    },
    async readChunk(dataset, chunk, models, first, count) {
      const lists: AuditRecord[][] = [];
      for (let m = 0; m < models; m++) {
        const file = join(dir, chunkFile(dataset, chunk, m));
        let bytes: Uint8Array;
        try {
          const buffer = await readFile(file);
          // A plain Uint8Array view: decodeRecords copies with .slice, which on a Node Buffer is a view of a larger pool.
          bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        } catch {
          return undefined;
        }
        let records: AuditRecord[];
        try {
          records = decodeRecords(bytes);
        } catch (error) {
          note(`${chunkFile(dataset, chunk, m)} is unreadable (${error instanceof Error ? error.message : String(error)}); computing that chunk again.`);
          return undefined;
        }
        if (records.length !== count || records.some((r, i) => r.index !== first + i)) {
          note(`${chunkFile(dataset, chunk, m)} does not hold examples ${first}..${first + count - 1}; computing that chunk again.`);
          return undefined;
        }
        lists.push(records);
      }
      return lists;
    },
    async writeChunk(dataset, chunk, byModel) {
      // The audited model's file last: a chunk counts as done only when all of its files are there.
      for (let m = byModel.length - 1; m >= 0; m--) await writeAtomically(join(dir, chunkFile(dataset, chunk, m)), encodeRecords(byModel[m]));
    },
    async writeOutput(name, content) {
      await writeAtomically(join(out, name), content);
    },
  };
}
