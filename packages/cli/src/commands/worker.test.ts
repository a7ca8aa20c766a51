import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditResults, differingFiles } from '../../test/audit-outputs.js';
import { salience, scratch } from '../../test/cli-harness.js';
import { type RedisServer, startRedis } from '../../test/redis-server.js';
import { writeSampleFolder } from '../../test/sample-folder.js';
import { type ChunkJob, keyDigest, portableRequest, redisOptions } from '../audit/queue.js';
import { runKey } from '../audit/record-files.js';
import type { AuditSummary } from '../audit/summary.js';
import { type AuditFlags, auditRequest, buildProgram } from '../program.js';

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
/** Short locks, so that a killed worker's chunk goes to another one within seconds. */
const LOCK_SECONDS = '3';

/** A `salience worker` child process and what it has printed. */
interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM: it finishes its chunk, if any, and exits; resolves with its exit status. */
  stop(): Promise<number | null>;
  /** Resolves with its exit status when it exits. */
  readonly exited: Promise<number | null>;
}

function startWorker(url: string, queue: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@salience/source', '--import', 'tsx', BIN, 'worker', '--queue', url, '--queue-name', queue, '--lock-seconds', LOCK_SECONDS],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const onData = (data: Buffer) => {
    text += data.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    exited,
  };
}

describe('salience worker options', () => {
  it('needs a Redis URL and checks its options before connecting', async () => {
    const none = await salience(['worker']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('salience worker needs --queue redis://host:port');
    const http = await salience(['worker', '--queue', 'http://localhost:6379']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--queue must be a redis:// or rediss:// URL');
    const lock = await salience(['worker', '--queue', 'redis://localhost:1', '--lock-seconds', '0.5']);
    expect(lock.code).toBe(2);
    expect(lock.stderr).toContain('--lock-seconds must be at least 1');
  });
});

/** The first worker whose output (from `from[i]` on) matches `pattern`: its place and the match. */
async function firstMatch(
  team: readonly WorkerProcess[],
  pattern: RegExp,
  timeoutMs: number,
  from: readonly number[] = team.map(() => 0),
): Promise<{ i: number; match: RegExpMatchArray }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const [i, w] of team.entries()) {
      const match = w.output().slice(from[i]).match(pattern);
      if (match) return { i, match };
    }
    if (Date.now() > deadline) throw new Error(`no worker printed ${pattern} within ${timeoutMs / 1000} s:\n${team.map((w) => w.output()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The twelve built-in samples in four chunks of three, the default methods (gradient and integrated
// gradients, 50 steps): a chunk takes long enough to kill a worker in the middle of one.
// Every queued audit must give the report of the one-process audit, byte for byte. The tests run
// in order on one queue: three workers start, one is killed, the two others serve the rest.
describe('salience audit --queue and salience worker, on a real Redis', () => {
  const tmp = scratch();
  const data = tmp.path('samples');
  const args = ['audit', '--data', data, '--truth', `${data}/truth.csv`, '--chunk-size', '3'];
  let redis: RedisServer;
  let reference: AuditSummary;
  const workers: WorkerProcess[] = [];
  /** The two workers left after the first test kills one: the later tests run on them. */
  let survivors: WorkerProcess[] = [];
  const everything = () => survivors.map((w) => w.output()).join('');
  const spawnWorker = () => {
    const worker = startWorker(redis.url, 'tests');
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    redis = await startRedis();
    writeSampleFolder(data);
    const run = await salience([...args, '--out', tmp.path('one'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    reference = run.json<AuditSummary>();
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis?.stop();
    tmp.remove();
  }, 30_000);

  it('three workers started before the audit, one killed mid-chunk: nothing is lost, the report is the one-process report', { timeout: 240_000 }, async () => {
    const team = [spawnWorker(), spawnWorker(), spawnWorker()];
    await Promise.all(team.map((w) => firstMatch([w], /waiting for chunks/, 90_000)));
    const out = tmp.path('three');
    const audit = salience([...args, '--queue', redis.url, '--queue-name', 'tests', '--out', out, '--json']);

    // A worker that has set up (this is its second chunk; four chunks for three workers) dies while
    // it computes a chunk whose records are not there yet.
    const victimOf = async () => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        for (const [i, w] of team.entries()) {
          const takes = [...w.output().matchAll(/took data chunk (\d+)/g)];
          const last = takes.at(-1);
          if (takes.length < 2 || !last) continue;
          const chunk = Number(last[1]);
          const done = new RegExp(`(wrote|kept) data chunk ${chunk} `).test(w.output().slice(last.index));
          if (!done && !existsSync(`${out}/.salience-audit/data-000${chunk}.m0.rec`)) {
            w.child.kill('SIGKILL');
            return { i, chunk };
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no worker took a second chunk within 120 s:\n${team.map((w) => w.output()).join('\n')}`);
    };
    const { i: killed, chunk } = await victimOf();
    const victim = team[killed]!;
    survivors = team.filter((w) => w !== victim);
    await victim.exited;
    expect(existsSync(`${out}/.salience-audit/data-000${chunk}.m0.rec`)).toBe(false);

    const run = await audit;
    expect(run.code, run.stderr).toBe(0);
    // Progress from the coordinator.
    expect(run.stderr).toMatch(/queue tests: 4 of 4 chunks enqueued/);
    expect(run.stderr).toMatch(/queue tests: [1-3]\/4 chunks done, \d running, \d waiting/);
    expect(run.stderr).toMatch(/queue tests: 4\/4 chunks done/);
    expect(auditResults(run.json<AuditSummary>())).toEqual(auditResults(reference));
    expect(differingFiles(tmp.path('one'), out)).toEqual([]);

    // The killed worker's chunk was taken again by another one, after its lock expired.
    expect(victim.output()).not.toMatch(new RegExp(`wrote data chunk ${chunk} `));
    expect(survivors.some((w) => new RegExp(`(wrote|kept) data chunk ${chunk} `).test(w.output()))).toBe(true);
  });

  it('survives a restart of Redis mid-run: the workers reconnect and the lost jobs are put back', { timeout: 240_000 }, async () => {
    const out = tmp.path('restart');
    // The queue is paused while the coordinator enqueues, so that the restart always finds chunks
    // still on the queue (with running workers, all four could finish before it).
    const control = new Queue('tests', { connection: redisOptions(redis.url, false) });
    await control.pause();
    const audit = salience([...args, '--queue', redis.url, '--queue-name', 'tests', '--out', out, '--json']);
    try {
      const deadline = Date.now() + 120_000;
      const queued = async () => Object.values(await control.getJobCounts('wait', 'prioritized', 'delayed')).reduce((a, b) => a + b, 0);
      while ((await queued()) < 4) {
        if (Date.now() > deadline) throw new Error('the audit did not enqueue its 4 chunks within 120 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await control.close();
    }
    // Redis without persistence: every job, lock and the pause are gone when it comes back.
    await redis.restart();
    const run = await audit;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/queue tests: [1-4] chunk\(s\) put back on the queue \(Redis had lost them\)/);
    expect(auditResults(run.json<AuditSummary>())).toEqual(auditResults(reference));
    expect(differingFiles(tmp.path('one'), out)).toEqual([]);
  });

  it('computes a chunk twice without harm: the records already there stay, byte for byte, and the report is unchanged', { timeout: 180_000 }, async () => {
    const out = tmp.path('three');
    const dir = `${out}/.salience-audit`;
    const { version: _version, ...key } = (await runKey(dir)) ?? {};
    const before = [0, 1].map((c) => ({ bytes: readFileSync(`${dir}/data-000${c}.m0.rec`), inode: statSync(`${dir}/data-000${c}.m0.rec`).ino }));
    // The coordinator's jobs for chunks 0 and 1, chunk 0 delivered twice (a retried job, a worker thought dead).
    let flags: AuditFlags | undefined;
    buildProgram((invocation) => {
      if (invocation.command === 'audit') flags = invocation.flags;
    }, '0').parse([...args, '--out', out], { from: 'user' });
    const request = portableRequest(auditRequest(flags as AuditFlags));
    const job = (chunk: number): ChunkJob => ({
      version: 1,
      request,
      key: keyDigest(key),
      records: dir,
      dataset: 0,
      datasetName: 'data',
      chunk,
      first: chunk * 3,
      count: 3,
      models: 1,
    });
    const queue = new Queue('tests', { connection: redisOptions(redis.url, false) });
    try {
      await queue.addBulk([0, 0, 1].map((c, i) => ({ name: 'chunk', data: job(c), opts: { jobId: `twice-${i}` } })));
      const deadline = Date.now() + 120_000;
      const states = async () => Promise.all([0, 1, 2].map(async (i) => (await queue.getJob(`twice-${i}`))?.getState()));
      while ((await states()).some((state) => state !== 'completed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // Each completion found the records there, with the same bytes, and left them.
      const values = await Promise.all([0, 1, 2].map(async (i) => (await queue.getJob(`twice-${i}`))?.returnvalue));
      expect(values).toEqual([['same'], ['same'], ['same']]);
    } finally {
      await queue.close();
    }
    expect(everything()).toMatch(/found it already written with the same bytes, kept data chunk 0/);
    for (const [c, b] of before.entries()) {
      const path = `${dir}/data-000${c}.m0.rec`;
      expect(readFileSync(path).equals(b.bytes)).toBe(true);
      expect(statSync(path).ino).toBe(b.inode);
    }
    const rerun = await salience([...args, '--out', out, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json<AuditSummary>().chunks).toMatchObject({ resumed: 4, computed: 0 });
    expect(differingFiles(tmp.path('one'), out)).toEqual([]);
  });

  it('gives a chunk a limited number of tries, then fails naming the chunk and the cause, keeping the finished chunks', { timeout: 180_000 }, async () => {
    // The last image is cut short: its header lists it, its decoding fails on every worker.
    const damaged = tmp.path('damaged');
    writeSampleFolder(damaged);
    const last = `${damaged}/11-pullover.png`;
    writeFileSync(last, readFileSync(last).subarray(0, 120));
    const from = survivors.map((w) => w.output().length);
    const run = await salience([
      'audit',
      '--data',
      damaged,
      '--truth',
      `${damaged}/truth.csv`,
      ...args.slice(5),
      '--queue',
      redis.url,
      '--queue-name',
      'tests',
      '--attempts',
      '2',
      '--out',
      tmp.path('failing'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/1 chunk\(s\) failed on the workers after 2 tries, e\.g\. data chunk 3: .*11-pullover\.png/);
    expect(run.stderr).toMatch(/The 3 finished chunks are kept/);
    const tries = survivors.map((w, i) => w.output().slice(from[i])).join('\n');
    expect(tries).toMatch(/took data chunk 3 \(examples 9\.\.11\), try 2/);
    expect(tries).not.toMatch(/try 3/);
    // SIGTERM: a worker stops cleanly.
    expect(await Promise.all(survivors.map((w) => w.stop()))).toEqual([0, 0]);
  });
});
