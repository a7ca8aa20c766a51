import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFiles, auditResults, differingFiles } from '../../test/audit-outputs.js';
import { salience, scratch } from '../../test/cli-harness.js';
import { writeSampleFolder } from '../../test/sample-folder.js';
import { listChunks } from '../audit/distribute.js';
import { parseShard, type ShardSummary, shardOf } from '../audit/shards.js';
import type { AuditSummary } from '../audit/summary.js';

describe('shard assignment', () => {
  it('reads K/N from 0, and refuses what is not a share', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(() => parseShard('8/8')).toThrow(/K counts from 0 to N-1 \(7\)/);
    expect(() => parseShard('1/0')).toThrow(/at least 1/);
    expect(() => parseShard('3')).toThrow(/K\/N/);
    expect(() => parseShard('-1/4')).toThrow(/K\/N/);
  });

  it('deals every chunk of every dataset to exactly one shard, the loads differing by one chunk at most', () => {
    const chunks = listChunks(
      [
        { name: 'clean', count: 100, chunks: 7 },
        { name: 'shifted', count: 33, chunks: 3 },
      ],
      16,
    );
    expect(chunks.map((c) => c.count)).toEqual([16, 16, 16, 16, 16, 16, 4, 16, 16, 1]);
    for (const n of [1, 3, 4, 10, 13]) {
      const owners = chunks.map((c) => shardOf(c.global, n));
      const loads = Array.from({ length: n }, (_, k) => owners.filter((o) => o === k).length);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(chunks.length);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    }
  });
});

// The twelve built-in samples, in chunks of 3: four chunks over three shards.
describe('salience audit --shard K/N and salience audit merge', () => {
  const tmp = scratch();
  const data = tmp.path('samples');
  const args = () => ['--data', data, '--truth', `${data}/truth.csv`, '--chunk-size', '3'];
  let reference: AuditSummary;

  beforeAll(async () => {
    writeSampleFolder(data);
    const run = await salience(['audit', ...args(), '--out', tmp.path('one'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    reference = run.json<AuditSummary>();
  }, 120_000);
  afterAll(() => tmp.remove());

  it('computes only its own chunks per shard, then the merge writes the one-machine report byte for byte', { timeout: 120_000 }, async () => {
    const shards: ShardSummary[] = [];
    for (let k = 0; k < 3; k++) {
      const run = await salience(['audit', ...args(), '--shard', `${k}/3`, '--out', tmp.path(`shard-${k}`), '--json']);
      expect(run.code, run.stderr).toBe(0);
      shards.push(run.json<ShardSummary>());
      // Records only: no report from a shard.
      expect(readdirSync(tmp.path(`shard-${k}`))).toEqual(['.salience-audit']);
    }
    expect(shards.map((s) => s.chunks.mine)).toEqual([['data:0', 'data:3'], ['data:1'], ['data:2']]);
    expect(shards.map((s) => s.chunks.computed)).toEqual([2, 1, 1]);
    expect(readdirSync(tmp.path('shard-1/.salience-audit')).filter((f) => f.endsWith('.rec'))).toEqual(['data-0001.m0.rec']);

    const merged = await salience(['audit', 'merge', tmp.path('shard-0'), tmp.path('shard-1'), tmp.path('shard-2'), ...args(), '--out', tmp.path('merged'), '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toContain('merged 4 chunk(s) from 3 folder(s)');
    const summary = merged.json<AuditSummary>();
    expect(summary.chunks).toEqual({ size: 3, total: 4, resumed: 4, computed: 0 });
    expect(auditResults(summary)).toEqual(auditResults(reference));
    expect([...auditFiles(tmp.path('merged')).keys()]).toEqual([
      'class-means-builtin-data-gradient.png',
      'class-means-builtin-data-ig.png',
      'report.html',
      'data-0000.m0.rec',
      'data-0001.m0.rec',
      'data-0002.m0.rec',
      'data-0003.m0.rec',
    ]);
    expect(differingFiles(tmp.path('one'), tmp.path('merged'))).toEqual([]);
  });

  it('resumes a shard that ran before, computing nothing again', { timeout: 60_000 }, async () => {
    const run = await salience(['audit', ...args(), '--shard', '0/3', '--out', tmp.path('shard-0'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<ShardSummary>().chunks).toMatchObject({ computed: 0, resumed: 2 });
  });

  it('names the chunks no folder holds, and refuses records of another configuration', { timeout: 60_000 }, async () => {
    const missing = await salience(['audit', 'merge', tmp.path('shard-0'), tmp.path('shard-2'), ...args(), '--out', tmp.path('partial')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('1 of 4 chunks are in none of the folders: data chunk 1 (examples 3..5)');

    const other = await salience(['audit', ...args().slice(0, -1), '2', '--shard', '0/2', '--out', tmp.path('other')]);
    expect(other.code, other.stderr).toBe(0);
    const mixed = await salience(['audit', 'merge', tmp.path('shard-0'), tmp.path('other'), ...args(), '--out', tmp.path('mixed')]);
    expect(mixed.code).toBe(3);
    expect(mixed.stderr).toMatch(/other was audited with another configuration \(chunkSize differ\)/);
    rmSync(tmp.path('other'), { recursive: true });
  });

  it('refuses modes that do not go together and stray arguments', async () => {
    const both = await salience(['audit', 'merge', tmp.path('shard-0'), '--shard', '0/2', ...args()]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--shard and merge do not go together');
    const stray = await salience(['audit', 'images/', ...args()]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("takes no argument 'images/'");
    const none = await salience(['audit', 'merge', ...args()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs the folders to merge');
  });
});
