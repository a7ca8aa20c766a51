import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AuditRecord, decodeRecords, encodeRecords } from '@salience/audit';
import { CliError } from '../cli-error.js';
import { folderOwnership, MANIFEST_FILE, manifestText, readManifest, someFiles } from '../outputs/manifest.js';

/** The hidden folder in `--out` where an audit keeps its finished chunks. */
export const STATE_FOLDER = '.salience-audit';
const RUN_FILE = 'run.json';
const LOCK_FILE = 'lock';
const STATE_VERSION = 1;
/** Chunk files start with this tag and the SHA-256 of the records that follow. */
const CHUNK_MAGIC = 'SALC';
const CHUNK_HEADER = 4 + 32;

/** The files an audit writes in `--out` (besides its state folder). */
export const AUDIT_OUTPUTS = ['summary.json', 'report.html'];
const isAuditOutputName = (name: string) => AUDIT_OUTPUTS.includes(name) || /^class-means-.*\.png$/.test(name);

/**
 * What an audit keeps on disk to resume: `run.json` (the configuration the chunks were computed
 * with), one record file per finished (dataset, chunk, model) with a checksum, and a lock while a
 * process works in the folder. Files are written under a temporary name and renamed, so an
 * interruption never leaves half a file.
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
  /** A finished chunk's record bytes, checksums checked, one per model (text audits keep their own records); undefined when one is absent or damaged. */
  readChunkBytes(dataset: string, chunk: number, models: number): Promise<Uint8Array[] | undefined>;
  writeChunkBytes(dataset: string, chunk: number, byModel: readonly Uint8Array[]): Promise<void>;
  /** Writes an output file of the audit into `out`, atomically, and lists it in the manifest. */
  writeOutput(name: string, content: string | Uint8Array): Promise<void>;
  /** Gives up the folder's lock (also done when the process exits). */
  release(): Promise<void>;
}

/** The record file of one model for one chunk, in the state folder. */
export function chunkFile(dataset: string, chunk: number, model: number): string {
  return `${dataset}-${String(chunk).padStart(4, '0')}.m${model}.rec`;
}

/** State-folder files an audit writes: its own to replace or remove. */
const isStateFile = (name: string) => name === RUN_FILE || name === LOCK_FILE || /\.rec$/.test(name) || /\.\d+-[0-9a-f]+\.tmp$/.test(name);

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

/** Whether a process with this id runs (on this machine). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Chunk bytes with their checksum in front. */
export function sealChunk(records: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER + records.length);
  out.set(new TextEncoder().encode(CHUNK_MAGIC), 0);
  out.set(createHash('sha256').update(records).digest(), 4);
  out.set(records, CHUNK_HEADER);
  return out;
}

/** The records of a sealed chunk; throws when the tag or checksum does not match. */
export function openChunk(bytes: Uint8Array): Uint8Array {
  if (bytes.length < CHUNK_HEADER || new TextDecoder().decode(bytes.subarray(0, 4)) !== CHUNK_MAGIC) throw new Error('no checksum header');
  const records = bytes.subarray(CHUNK_HEADER);
  const digest = createHash('sha256').update(records).digest();
  if (!digest.equals(bytes.subarray(4, CHUNK_HEADER))) throw new Error('checksum mismatch: the file was changed or damaged');
  return records;
}

/** The top-level parts of two configurations that differ, to say what changed. */
function changedParts(before: unknown, now: Readonly<Record<string, unknown>>): string[] {
  const old = (before ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
}

export interface OpenStateOptions {
  /** Discard whatever an earlier audit left in `out`. */
  readonly fresh?: boolean;
  /** Write into a folder that holds other files (they are kept). */
  readonly overwrite?: boolean;
  readonly note?: (message: string) => void;
}

/** The files in `out` that the audit may not touch. */
async function foreignFiles(out: string): Promise<{ exists: boolean; ours: readonly string[]; foreign: readonly string[] }> {
  return folderOwnership(out, '--out', (file) => file.startsWith(`${STATE_FOLDER}/`) && isStateFile(file.slice(STATE_FOLDER.length + 1)));
}

/**
 * Checks, before any work, that `out` may hold this audit: absent, empty, or holding only files
 * salience wrote there (its manifest and state folder). With `overwrite`, other files are kept
 * beside the audit, unless one bears a name the audit writes.
 */
export async function checkAuditFolder(outPath: string, overwrite = false): Promise<void> {
  const out = resolve(outPath);
  const { foreign } = await foreignFiles(out);
  if (foreign.length === 0) return;
  if (!overwrite) {
    throw new CliError(
      'output',
      `--out ${outPath} exists and is not a salience audit output: it holds files salience did not write (${someFiles(foreign)}). Choose a new or empty folder, or give --overwrite to write the audit beside them (they are kept).`,
    );
  }
  const taken = foreign.filter((f) => isAuditOutputName(f) || f.startsWith(`${STATE_FOLDER}/`));
  if (taken.length > 0)
    throw new CliError('output', `--out ${outPath} holds ${someFiles(taken)}, which salience did not write and an audit would replace; move it away or choose another folder.`);
}

/** Takes the folder's lock, or says which process holds it; a lock left by a process that is gone is taken over. */
async function lock(dir: string, outPath: string, note: (message: string) => void): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const content = `${JSON.stringify({ pid: process.pid, started: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, content, { flag: 'wx' });
      const release = () => {
        try {
          if ((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid === process.pid) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
      process.on('exit', release);
      return async () => {
        process.off('exit', release);
        release();
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST')
        throw new CliError('output', `Cannot lock ${path}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    }
    const holder = (await readJson(path)) as { pid?: unknown; started?: unknown } | undefined;
    const pid = typeof holder?.pid === 'number' ? holder.pid : Number.NaN;
    // This process's own pid counts too: two audits in one process (an embedder) must not share a folder either.
    if (alive(pid)) {
      throw new CliError(
        'output',
        `Another audit (process ${pid}, started ${String(holder?.started ?? '?')}) is working in --out ${outPath}; wait for it to finish, or choose another folder.`,
      );
    }
    note(`${join(outPath, STATE_FOLDER, LOCK_FILE)} was left by a process that is gone${Number.isNaN(pid) ? '' : ` (${pid})`}; taking it over.`);
    await unlink(path).catch(() => {});
  }
  throw new CliError('output', `Cannot lock ${path}: another process keeps taking it.`);
}

/**
 * Opens (or starts) the audit state in `out`, holding its lock. The same configuration resumes;
 * another one is refused unless `fresh` (which removes the old state and the outputs the
 * manifest lists, nothing else). A folder with files salience did not write is refused unless
 * `overwrite`, which keeps them.
 */
export async function openAuditState(outPath: string, key: Readonly<Record<string, unknown>>, options: OpenStateOptions = {}): Promise<AuditState> {
  const out = resolve(outPath);
  const dir = join(out, STATE_FOLDER);
  const note = options.note ?? (() => {});
  await checkAuditFolder(outPath, options.overwrite);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliError('output', `Cannot create the output folder ${outPath}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const release = await lock(dir, outPath, note);
  try {
    const fingerprint = { version: STATE_VERSION, ...key };
    const previous = (await readJson(join(dir, RUN_FILE))) as { key?: unknown } | undefined;
    const same = previous !== undefined && JSON.stringify(previous.key) === JSON.stringify(fingerprint);
    const hasState = previous !== undefined;
    if (hasState && !same && !options.fresh) {
      const changed = changedParts(previous?.key, fingerprint);
      throw new CliError(
        'output',
        `--out ${outPath} holds an audit with another configuration${changed.length > 0 ? ` (${changed.join(', ')} changed)` : ''}; give --fresh to discard it and start over, or choose another --out.`,
      );
    }
    const resume = same && !options.fresh;
    const listed = (await readManifest(out)) ?? new Set<string>();
    if (!resume) {
      // Only salience's files: those the manifest lists, and the state folder's own.
      for (const file of listed) await unlink(join(out, file)).catch(() => {});
      listed.clear();
      await unlink(join(out, MANIFEST_FILE)).catch(() => {});
      for (const entry of await readdir(dir)) if (entry !== LOCK_FILE && !entry.endsWith('.tmp') && isStateFile(entry)) await unlink(join(dir, entry)).catch(() => {});
      if (hasState) note(`--fresh: discarded the earlier audit in ${outPath}.`);
    }
    // A crash between writing and renaming leaves a temporary file; one of a process that still runs is not ours to remove.
    for (const entry of await readdir(dir)) {
      const pid = /\.(\d+)-[0-9a-f]+\.tmp$/.exec(entry)?.[1];
      if (pid !== undefined && (Number(pid) === process.pid || !alive(Number(pid)))) await unlink(join(dir, entry)).catch(() => {});
    }
    if (!resume) await writeAtomically(join(dir, RUN_FILE), `${JSON.stringify({ key: fingerprint, started: new Date().toISOString() }, null, 2)}\n`);

    const readChunkBytes = async (dataset: string, chunk: number, models: number): Promise<Uint8Array[] | undefined> => {
      const files: Uint8Array[] = [];
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
        try {
          files.push(openChunk(bytes));
        } catch (error) {
          note(`${chunkFile(dataset, chunk, m)} is unreadable (${error instanceof Error ? error.message : String(error)}); computing that chunk again.`);
          return undefined;
        }
      }
      return files;
    };
    const writeChunkBytes = async (dataset: string, chunk: number, byModel: readonly Uint8Array[]): Promise<void> => {
      // The audited model's file last: a chunk counts as done only when all of its files are there.
      for (let m = byModel.length - 1; m >= 0; m--) await writeAtomically(join(dir, chunkFile(dataset, chunk, m)), sealChunk(byModel[m]!));
    };
    return {
      out,
      dir,
      readChunkBytes,
      writeChunkBytes,
      async hasChunk(dataset, chunk, models) {
        for (let m = 0; m < models; m++) {
          const info = await stat(join(dir, chunkFile(dataset, chunk, m))).catch(() => undefined);
          if (!info?.isFile()) return false;
        }
        return true;
      },
      async readChunk(dataset, chunk, models, first, count) {
        const lists: AuditRecord[][] = [];
        const files = await readChunkBytes(dataset, chunk, models);
        if (!files) return undefined;
        for (const [m, bytes] of files.entries()) {
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
        await writeChunkBytes(dataset, chunk, byModel.map(encodeRecords));
      },
      async writeOutput(name, content) {
        await writeAtomically(join(out, name), content);
        listed.add(name);
        await writeAtomically(join(out, MANIFEST_FILE), manifestText('audit', [...listed]));
      },
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
