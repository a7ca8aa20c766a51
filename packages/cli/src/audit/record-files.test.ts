import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AuditRecord } from '@salience/audit';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { chunkIsSound, importChunk, runKey, stateFolderOf, writeChunkOnce } from './record-files.js';

function record(index: number, probability: number): AuditRecord {
  const thumbnail = new Float32Array([0.25, 0.25, 0.25, 0.25]);
  return {
    index,
    name: `x${index}`,
    label: 1,
    predicted: 1,
    probability,
    target: 1,
    maps: { gradient: { height: 2, width: 2, mass: 2, shares: { border: 0.5 }, thumbnailHeight: 2, thumbnailWidth: 2, thumbnail } },
  };
}

describe('record files written once', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('writes a chunk, keeps the first completion of it, and replaces only a damaged file', async () => {
    const dir = tmp.path('state');
    mkdirSync(dir);
    const first = [[record(0, 0.9), record(1, 0.8)]];
    expect(await writeChunkOnce(dir, 'data', 3, first)).toEqual(['written']);
    const path = tmp.path('state', 'data-0003.m0.rec');
    const bytes = readFileSync(path);
    const inode = statSync(path).ino;
    // The same records again: nothing changes on disk.
    expect(await writeChunkOnce(dir, 'data', 3, first)).toEqual(['same']);
    // Other records (a machine that computes differently): the first stay.
    expect(await writeChunkOnce(dir, 'data', 3, [[record(0, 0.7), record(1, 0.8)]])).toEqual(['kept-first']);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(statSync(path).ino).toBe(inode);
    // A damaged file is replaced whole.
    writeFileSync(path, bytes.subarray(0, 50));
    expect(await chunkIsSound(dir, 'data', 3, 1)).toBe(false);
    expect(await writeChunkOnce(dir, 'data', 3, first)).toEqual(['replaced-damaged']);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(await chunkIsSound(dir, 'data', 3, 1)).toBe(true);
    // No temporary file is left behind.
    expect(readdirSync(dir)).toEqual(['data-0003.m0.rec']);
  });

  it('imports a sound chunk from another folder, and refuses a damaged or incomplete one', async () => {
    const from = tmp.path('from');
    const to = tmp.path('to');
    mkdirSync(from);
    mkdirSync(to);
    await writeChunkOnce(from, 'clean', 0, [[record(0, 0.5)], [record(0, 0.6)]]);
    expect(await importChunk(from, to, 'clean', 0, 2)).toBe(true);
    expect(readdirSync(to).sort()).toEqual(['clean-0000.m0.rec', 'clean-0000.m1.rec']);
    expect(readFileSync(`${to}/clean-0000.m1.rec`).equals(readFileSync(`${from}/clean-0000.m1.rec`))).toBe(true);
    expect(await importChunk(from, to, 'clean', 1, 2)).toBe(false);
    writeFileSync(`${from}/clean-0000.m1.rec`, 'SALC');
    expect(await importChunk(from, tmp.path('elsewhere'), 'clean', 0, 2)).toBe(false);
  });

  it('finds the state folder of an output folder, or of itself, and reads its key', async () => {
    const out = tmp.path('out');
    mkdirSync(`${out}/.salience-audit`, { recursive: true });
    expect(await stateFolderOf(out)).toBeUndefined();
    writeFileSync(`${out}/.salience-audit/run.json`, JSON.stringify({ key: { version: 1, chunkSize: 4 } }));
    expect(await stateFolderOf(out)).toBe(`${out}/.salience-audit`);
    expect(await stateFolderOf(`${out}/.salience-audit`)).toBe(`${out}/.salience-audit`);
    expect(await runKey(`${out}/.salience-audit`)).toEqual({ version: 1, chunkSize: 4 });
  });
});
