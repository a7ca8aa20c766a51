import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import type { Job } from 'bullmq';
import type { ChunkWork } from '../audit/distribute.js';
import { type ChunkJob, DEFAULT_QUEUE_NAME, keyDigest, parseQueueUrl, redisOptions } from '../audit/queue.js';
import { writeChunkOnce } from '../audit/record-files.js';
import { STATE_FOLDER } from '../audit/state.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { describeFailure } from '../failure.js';
import { parseInteger, parseNumber } from '../methods/option-values.js';
import { formatDuration } from '../outputs/duration.js';
import { audit } from './audit.js';

/** The raw option values commander collects for `worker`. */
export interface WorkerFlags {
  readonly queue?: string;
  readonly queueName?: string;
  readonly lockSeconds?: string;
  readonly idleExit?: string;
  readonly maxJobs?: string;
  readonly quiet?: boolean;
}

/** How long a job stays a worker's without a heartbeat before another worker takes it (BullMQ's lock). */
export const DEFAULT_LOCK_SECONDS = 30;
/**
 * The lock held while a worker sets up an audit. Loading a model (building its gradient graph)
 * can keep the event loop busy for longer than a lock, and the lock is renewed from that loop: a
 * worker that only looks dead would hand its chunk to another, which would set up in turn.
 */
export const SETUP_LOCK_SECONDS = 300;

/** An audit configuration set up in this process: models loaded, data listed. */
interface Session {
  readonly key: string;
  readonly work: ChunkWork;
  close(): Promise<void>;
}

class SessionClosed extends Error {}

/**
 * Sets up the audit of a job (lists the data, loads the models, settles the methods) by running
 * `audit` in a private folder up to the point where it hands its chunks out, and keeps it there
 * until closed: every further chunk of the same audit is computed without setting up again.
 */
async function openSession(job: ChunkJob, note: (message: string) => void): Promise<Session> {
  const out = await mkdtemp(join(tmpdir(), 'salience-worker-'));
  let release = () => {};
  const closed = new Promise<void>((done) => {
    release = done;
  });
  let finished: Promise<unknown> = Promise.resolve();
  try {
    const work = await new Promise<ChunkWork>((handOver, fail) => {
      finished = audit(
        { ...job.request, out },
        {
          note,
          distribute: async (w) => {
            handOver(w);
            await closed;
            throw new SessionClosed();
          },
        },
      ).then(
        () => fail(new Error('the audit ended before handing out its chunks')),
        (error: unknown) => {
          if (!(error instanceof SessionClosed)) fail(error);
        },
      );
    });
    return {
      key: keyDigest(work.key),
      work,
      async close() {
        release();
        await finished;
        await rm(out, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    throw error;
  }
}

function parseLockSeconds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOCK_SECONDS;
  const value = parseNumber(text, '--lock-seconds');
  if (!(value >= 1)) throw new CliError('usage', `--lock-seconds must be at least 1; got '${text}'.`);
  return value;
}

/**
 * Runs `salience worker`: takes audit chunks from a BullMQ queue on Redis, one at a time, computes
 * them exactly as `salience audit` would, and writes their records into the folder the job names
 * (the coordinator's `--out`, on a shared filesystem). A worker that dies holds its chunk only
 * until its lock expires (`--lock-seconds`); then another worker takes it. A chunk that is
 * already on disk is left as it is (the first completion wins). Stops on Ctrl-C or SIGTERM, after
 * `--idle-exit` seconds without work, or after `--max-jobs` chunks.
 */
export async function runWorker(flags: WorkerFlags, context: CliContext): Promise<number> {
  if (flags.queue === undefined) throw new CliError('usage', 'salience worker needs --queue redis://host:port, the Redis of the audit (salience audit --queue ...).');
  const url = parseQueueUrl(flags.queue);
  const name = flags.queueName ?? DEFAULT_QUEUE_NAME;
  const lockSeconds = parseLockSeconds(flags.lockSeconds);
  const idleExit = flags.idleExit === undefined ? undefined : parseNumber(flags.idleExit, '--idle-exit');
  const maxJobs = flags.maxJobs === undefined ? undefined : parseInteger(flags.maxJobs, '--max-jobs', 1);
  const log = (line: string) => {
    if (!flags.quiet) context.stderr.write(`${line}\n`);
  };
  const { UnrecoverableError, Worker } = await import('bullmq');

  const stop = new AbortController();
  const onTerm = () => stop.abort();
  process.once('SIGTERM', onTerm);
  context.signal?.addEventListener('abort', () => stop.abort(), { once: true });

  let session: Session | undefined;
  let jobs = 0;
  let lastActive = performance.now();
  let active = 0;
  const processChunk = async (job: Job, token?: string) => {
    const data = job.data as ChunkJob;
    active++;
    const label = `${data.datasetName} chunk ${data.chunk} (examples ${data.first}..${data.first + data.count - 1})`;
    log(`worker ${process.pid}: took ${label}, try ${job.attemptsMade + 1}`);
    const started = performance.now();
    try {
      if (data.version !== 1) throw new UnrecoverableError(`this worker reads version 1 jobs; the job is version ${data.version}: run the same salience version everywhere`);
      // Records go only into an audit's state folder, under the names an audit gives them.
      if (!isAbsolute(data.records) || basename(data.records) !== STATE_FOLDER || !/^[\w-]+$/.test(data.datasetName)) {
        throw new UnrecoverableError(`the job names no audit state folder (${data.records}, dataset '${data.datasetName}'); it was not made by salience audit --queue`);
      }
      if (session?.key !== data.key) {
        if (token !== undefined) await job.extendLock(token, Math.max(lockSeconds, SETUP_LOCK_SECONDS) * 1000);
        await session?.close();
        session = undefined;
        session = await openSession(data, (message) => log(`worker ${process.pid}: note: ${message}`));
      }
      if (session.key !== data.key) {
        throw new UnrecoverableError(
          `the worker on ${process.env.HOSTNAME ?? 'this machine'} sees other model or data files than the coordinator (their paths, sizes or times differ): mount the same files at the same paths on every machine`,
        );
      }
      const records = await session.work.compute(data.dataset, data.chunk);
      const outcomes = await writeChunkOnce(data.records, data.datasetName, data.chunk, records);
      const what = outcomes.every((o) => o === 'written')
        ? 'wrote'
        : outcomes.every((o) => o === 'same')
          ? 'found it already written with the same bytes, kept'
          : outcomes.join(', ');
      log(`worker ${process.pid}: ${what} ${label} in ${formatDuration(performance.now() - started)}`);
      // The job's return value says what became of each record file (BullMQ keeps it with the job).
      return outcomes;
    } catch (error) {
      const failure = error instanceof UnrecoverableError ? error : new Error(describeFailure(error).message);
      log(`worker ${process.pid}: ${label} failed: ${failure.message}`);
      throw failure;
    } finally {
      active--;
      jobs++;
      lastActive = performance.now();
      if (maxJobs !== undefined && jobs >= maxJobs) stop.abort();
    }
  };

  const worker = new Worker(name, processChunk, {
    connection: redisOptions(url, true),
    concurrency: 1,
    lockDuration: lockSeconds * 1000,
    stalledInterval: lockSeconds * 1000,
    // A chunk whose worker died counts against its tries, so one that kills every worker ends.
    maxStalledCount: 3,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) log(`worker ${process.pid}: queue: ${error.message}`);
    lastError = error.message;
  });
  worker.on('ready', () => {
    lastError = '';
  });
  log(`worker ${process.pid}: waiting for chunks on ${url} (queue ${name})`);
  const running = worker.run().catch((error: unknown) => log(`worker ${process.pid}: ${error instanceof Error ? error.message : String(error)}`));
  const ticker = setInterval(() => {
    if (idleExit !== undefined && active === 0 && performance.now() - lastActive > idleExit * 1000) stop.abort();
  }, 250);
  try {
    await new Promise<void>((done) => {
      if (stop.signal.aborted) done();
      stop.signal.addEventListener('abort', () => done(), { once: true });
    });
    const interrupted = context.signal?.aborted === true;
    // Interrupted: do not wait for the chunk at hand; its lock expires and another worker takes it.
    await worker.close(interrupted);
    await running;
    await session?.close().catch(() => {});
    log(`worker ${process.pid}: stopped after ${jobs} chunk(s)`);
    return interrupted ? EXIT_CODES.aborted : EXIT_CODES.ok;
  } finally {
    clearInterval(ticker);
    process.off('SIGTERM', onTerm);
  }
}
