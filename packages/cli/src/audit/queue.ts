import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { throwIfAborted } from '@salience/core';
import type { Queue } from 'bullmq';
import { CliError, usageError } from '../cli-error.js';
import type { AuditRequest } from '../commands/settings.js';
import { type ChunkDistributor, listChunks } from './distribute.js';
import { chunkFile } from './state.js';

/** The BullMQ queue salience uses when none is named. */
export const DEFAULT_QUEUE_NAME = 'salience-audit';
/** Tries per chunk before the audit gives up on it. */
export const DEFAULT_ATTEMPTS = 3;
const JOB_VERSION = 1;

/** A chunk to compute, as a job on the queue carries it. */
export interface ChunkJob {
  readonly version: number;
  /** The audit's request, its paths made absolute; without the output folder and the signal. */
  readonly request: Omit<AuditRequest, 'signal' | 'out' | 'fresh' | 'overwrite'>;
  /** SHA-256 of the audit's resume key: a worker that sees other files computes another key and refuses. */
  readonly key: string;
  /** The coordinator's state folder, where the records go (a shared folder: the same path on every machine). */
  readonly records: string;
  readonly dataset: number;
  readonly datasetName: string;
  readonly chunk: number;
  readonly first: number;
  readonly count: number;
  readonly models: number;
}

/** A Redis URL for BullMQ: redis:// or rediss:// (TLS). */
export function parseQueueUrl(text: string, flag = '--queue'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`${flag} must be a Redis URL, e.g. redis://queue-host:6379; got '${text}'.`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw usageError(`${flag} must be a redis:// or rediss:// URL; got '${text}'.`);
  return text;
}

/** The digest of a resume key that jobs carry. */
export function keyDigest(key: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

/**
 * The prefix of an audit's job ids: its configuration and its records folder (the same
 * configuration audited into two folders at once makes two sets of jobs).
 */
export function auditJobPrefix(key: string, records: string): string {
  return `audit-${createHash('sha256').update(`${key}\n${records}`).digest('hex').slice(0, 24)}-`;
}

/** A job id that is the same for the same chunk of the same audit, so that adding it again adds nothing. */
export function chunkJobId(prefix: string, dataset: number, chunk: number): string {
  return `${prefix}${dataset}-${chunk}`;
}

const absolute = (path: string | undefined) => (path === undefined || isAbsolute(path) ? path : resolve(path));

/** The request as a worker on another machine takes it: JSON, with absolute paths. */
export function portableRequest(request: AuditRequest): ChunkJob['request'] {
  const { signal: _signal, out: _out, fresh: _fresh, overwrite: _overwrite, ...rest } = request;
  const portable = {
    ...rest,
    model: absolute(rest.model),
    compareModel: absolute(rest.compareModel),
    data: rest.data.map((p) => resolve(p)),
    truth: absolute(rest.truth),
    shifted: rest.shifted?.map((p) => resolve(p)),
    shiftedTruth: absolute(rest.shiftedTruth),
    labels: absolute(rest.labels),
    baselineFile: absolute(rest.baselineFile),
  };
  return JSON.parse(JSON.stringify(portable)) as ChunkJob['request'];
}

/** Connection settings for BullMQ from a URL; `worker` connections retry commands forever (BullMQ requires it). */
export function redisOptions(url: string, worker: boolean) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: worker ? null : 3,
    // Reconnect quickly after a restart of Redis, and never give up.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

export interface QueueOptions {
  readonly url: string;
  readonly name?: string;
  readonly attempts?: number;
  readonly signal?: AbortSignal;
  /** Progress lines: chunks done, running, waiting. */
  readonly report?: (line: string) => void;
  /** How often the records folder and the queue are looked at, in ms (default 500). */
  readonly pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      done();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

/**
 * The coordinator of a queued audit: puts every chunk that is not on disk on a BullMQ queue, then
 * watches the state folder until workers (`salience worker`) have written all of them, putting
 * back any job Redis lost (a restart without persistence) and failing when a chunk has used up
 * its tries. The audit then reads the records as if it had computed them.
 */
export function queueDistributor(request: AuditRequest, options: QueueOptions): ChunkDistributor {
  return async (work) => {
    const { Queue } = await import('bullmq');
    const name = options.name ?? DEFAULT_QUEUE_NAME;
    const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    const report = options.report ?? (() => {});
    const key = keyDigest(work.key);
    const prefix = auditJobPrefix(key, work.state.dir);
    const chunks = listChunks(work.datasets, work.chunkSize);
    const portable = portableRequest(request);
    const jobs = chunks.map((c) => {
      const data: ChunkJob = {
        version: JOB_VERSION,
        request: portable,
        key,
        records: work.state.dir,
        dataset: c.dataset,
        datasetName: c.name,
        chunk: c.chunk,
        first: c.first,
        count: c.count,
        models: work.models,
      };
      return {
        name: 'chunk',
        data,
        opts: { jobId: chunkJobId(prefix, c.dataset, c.chunk), attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: false },
      };
    });
    const files = chunks.map((c) => Array.from({ length: work.models }, (_, m) => chunkFile(c.name, c.chunk, m)));
    const onDisk = async () => {
      const names = new Set(await readdir(work.state.dir));
      return chunks.map((_, i) => files[i]!.every((f) => names.has(f)));
    };

    const queue: Queue = new Queue(name, { connection: redisOptions(options.url, false) });
    let lastError = '';
    queue.on('error', (error) => {
      lastError = error.message;
    });
    try {
      const ready = await Promise.race([queue.waitUntilReady().then(() => true), sleep(15_000, options.signal).then(() => false)]);
      throwIfAborted(options.signal);
      if (!ready) throw new CliError('failure', `Cannot reach Redis at ${options.url}${lastError ? ` (${lastError})` : ''}; start it, or check --queue.`);
      // A chunk that used up its tries in an earlier run gets new ones.
      let done = await onDisk();
      for (const [i, job] of jobs.entries()) {
        if (done[i]) continue;
        const earlier = await queue.getJob(job.opts.jobId);
        if (earlier && (await earlier.isFailed())) await earlier.remove();
      }
      const enqueue = async () => {
        const missing = jobs.filter((_, i) => !done[i]);
        if (missing.length > 0) await queue.addBulk(missing);
        return missing.length;
      };
      report(
        `queue ${name}: ${await enqueue()} of ${chunks.length} chunks enqueued (${done.filter(Boolean).length} already done); start workers with: salience worker --queue ${options.url}${name === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${name}`}`,
      );

      const pollMs = options.pollMs ?? 500;
      let lastLine = '';
      let lastCheck = 0;
      let waitingSince = performance.now();
      let hinted = false;
      for (;;) {
        done = await onDisk();
        const finished = done.filter(Boolean).length;
        if (finished === chunks.length) break;
        throwIfAborted(options.signal);
        if (performance.now() - lastCheck >= 4 * pollMs) {
          lastCheck = performance.now();
          try {
            const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
            const ours = (await queue.getFailed()).filter((j) => j.id?.startsWith(prefix));
            if (ours.length > 0) {
              const failed = ours[0]!;
              const data = failed.data as ChunkJob;
              throw new CliError(
                'failure',
                `${ours.length} chunk(s) failed on the workers after ${attempts} tries, e.g. ${data.datasetName} chunk ${data.chunk}: ${failed.failedReason}. The ${finished} finished chunks are kept in ${work.state.dir}; fix the cause and run the same command again.`,
              );
            }
            const pending = counts.active! + counts.waiting! + counts.delayed! + counts.prioritized!;
            // Fewer jobs than missing chunks: Redis lost some (restarted without persistence). Adding them again is harmless.
            if (pending < chunks.length - finished) report(`queue ${name}: ${await enqueue()} chunk(s) put back on the queue (Redis had lost them)`);
            if (counts.active! > 0) waitingSince = performance.now();
            else if (!hinted && performance.now() - waitingSince > 30_000) {
              hinted = true;
              report(`queue ${name}: no worker has taken a chunk for 30 s; start one with: salience worker --queue ${options.url}`);
            }
            const line = `queue ${name}: ${finished}/${chunks.length} chunks done, ${counts.active} running, ${counts.waiting! + counts.delayed! + counts.prioritized!} waiting`;
            if (line !== lastLine) report(line);
            lastLine = line;
          } catch (error) {
            if (error instanceof CliError) throw error;
            // Redis is away (restarting): the records folder is still watched; try again at the next look.
          }
        }
        await sleep(pollMs, options.signal);
      }
      report(`queue ${name}: ${chunks.length}/${chunks.length} chunks done`);
    } finally {
      await queue.close().catch(() => {});
    }
  };
}
