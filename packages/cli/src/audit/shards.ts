import { resolve } from 'node:path';
import { throwIfAborted } from '@salience/core';
import { CliError, usageError } from '../cli-error.js';
import { type ChunkDistributor, listChunks } from './distribute.js';
import type { AuditProgress } from './progress.js';
import { importChunk, runKey, stateFolderOf } from './record-files.js';

/** One share of an audit's chunks: shard `index` (from 0) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `K/N` with 0 <= K < N (Kubernetes' JOB_COMPLETION_INDEX and Slurm's --array=0-{N-1} count from 0). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw usageError(`--shard must be K/N, this machine's share K (from 0) of N shards, e.g. 0/8; got '${text}'.`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw usageError(`--shard ${text}: N must be at least 1.`);
  if (index >= count) throw usageError(`--shard ${text}: K counts from 0 to N-1 (${count - 1}); got ${index}.`);
  return { index, count };
}

/**
 * The shard that computes a chunk: chunks are dealt round-robin in the audit's chunk order
 * (dataset by dataset), so every shard gets a share of every dataset and the shards' loads differ
 * by one chunk at most. It depends on nothing but the chunk's place, so every machine agrees.
 */
export function shardOf(globalChunk: number, count: number): number {
  return globalChunk % count;
}

/** What a shard did, as `salience audit --shard K/N --json` prints it. */
export interface ShardSummary {
  readonly tool: 'salience';
  readonly command: 'audit';
  readonly ok: true;
  readonly shard: Shard;
  /** The output folder, absolute; its `.salience-audit/` holds the records. */
  readonly out: string;
  readonly chunks: {
    readonly total: number;
    /** This shard's chunks, as `dataset:chunk`. */
    readonly mine: readonly string[];
    readonly computed: number;
    /** Found on disk from an earlier run of this shard. */
    readonly resumed: number;
  };
  readonly timeMs: number;
}

/** Thrown by the shard distributor to end the audit once its chunks are on disk (no report). */
export class ShardDone extends Error {
  readonly summary: ShardSummary;
  constructor(summary: ShardSummary) {
    super(`shard ${summary.shard.index}/${summary.shard.count} done`);
    this.name = 'ShardDone';
    this.summary = summary;
  }
}

/**
 * Computes this shard's chunks (those not already on disk and sound) into the audit's state
 * folder, then ends the audit with `ShardDone`: the report comes from `salience audit merge`.
 */
export function shardDistributor(shard: Shard, options: { readonly progress?: AuditProgress; readonly signal?: AbortSignal }): ChunkDistributor {
  return async (work) => {
    const started = performance.now();
    const chunks = listChunks(work.datasets, work.chunkSize);
    const mine = chunks.filter((c) => shardOf(c.global, shard.count) === shard.index);
    let computed = 0;
    let resumed = 0;
    for (const [d, dataset] of work.datasets.entries()) {
      const own = mine.filter((c) => c.dataset === d);
      if (own.length === 0) continue;
      const total = own.reduce((n, c) => n + c.count, 0);
      const bar = options.progress?.start(dataset.name);
      let done = 0;
      try {
        for (const [i, chunk] of own.entries()) {
          const chunkStarted = performance.now();
          const found = await work.state.readChunk(chunk.name, chunk.chunk, work.models, chunk.first, chunk.count);
          if (found) resumed++;
          else {
            throwIfAborted(options.signal);
            await work.state.writeChunk(chunk.name, chunk.chunk, await work.compute(d, chunk.chunk));
            computed++;
          }
          done += chunk.count;
          bar?.update(done, total);
          bar?.chunk({ chunk: i, chunks: own.length, first: chunk.first, count: chunk.count, timeMs: performance.now() - chunkStarted, resumed: found !== undefined });
        }
      } catch (error) {
        bar?.fail();
        throw error;
      }
      bar?.finish(`${total} examples in ${own.length} chunk(s) of shard ${shard.index}/${shard.count}`);
    }
    throw new ShardDone({
      tool: 'salience',
      command: 'audit',
      ok: true,
      shard,
      out: work.state.out,
      chunks: { total: chunks.length, mine: mine.map((c) => `${c.name}:${c.chunk}`), computed, resumed },
      timeMs: Math.round(performance.now() - started),
    });
  };
}

/** The top-level parts of two configurations that differ. */
function changedParts(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * Brings the records of other audit folders (the shards' `--out`, or a shared records folder) into
 * this audit's state folder, after checking that each was computed with this configuration. Fails,
 * naming them, when a chunk is in none of the folders.
 */
export function mergeDistributor(folders: readonly string[], options: { readonly note?: (message: string) => void } = {}): ChunkDistributor {
  return async (work) => {
    const ours = await runKey(work.state.dir);
    if (!ours) throw new CliError('output', `${work.state.dir} has no run.json; run the merge again.`);
    const sources: string[] = [];
    for (const folder of folders) {
      const dir = await stateFolderOf(folder);
      if (!dir) throw new CliError('inputFile', `${folder} holds no audit records (no .salience-audit/run.json); give the --out folders of the shards.`);
      if (resolve(dir) === resolve(work.state.dir)) continue;
      const theirs = await runKey(dir);
      if (!theirs || JSON.stringify(theirs) !== JSON.stringify(ours)) {
        const changed = theirs ? changedParts(theirs, ours) : [];
        throw new CliError(
          'inputFile',
          `${folder} was audited with another configuration${changed.length > 0 ? ` (${changed.join(', ')} differ)` : ''}: give the merge the same options, model and data as the shards (the same files at the same paths, with the same sizes and times).`,
        );
      }
      sources.push(dir);
    }
    const chunks = listChunks(work.datasets, work.chunkSize);
    const missing: string[] = [];
    let imported = 0;
    for (const chunk of chunks) {
      if (await work.state.readChunk(chunk.name, chunk.chunk, work.models, chunk.first, chunk.count)) continue;
      let found = false;
      for (const dir of sources) {
        if (await importChunk(dir, work.state.dir, chunk.name, chunk.chunk, work.models)) {
          found = true;
          imported++;
          break;
        }
      }
      if (!found) missing.push(`${chunk.name} chunk ${chunk.chunk} (examples ${chunk.first}..${chunk.first + chunk.count - 1})`);
    }
    if (missing.length > 0) {
      const shown = missing.length > 6 ? `${missing.slice(0, 6).join(', ')} and ${missing.length - 6} more` : missing.join(', ');
      throw new CliError(
        'inputFile',
        `${missing.length} of ${chunks.length} chunks are in none of the folders: ${shown}. Run the shards that compute them again (--shard K/N: chunk number g, counted over all datasets, belongs to shard g mod N), or run salience audit with the same options and --out ${work.state.out} to compute them there.`,
      );
    }
    options.note?.(
      `merged ${imported} chunk(s) from ${sources.length} folder(s)${chunks.length - imported > 0 ? `; ${chunks.length - imported} were already in ${work.state.out}` : ''}.`,
    );
  };
}
