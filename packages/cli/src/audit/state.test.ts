import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '@salience/audit';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { openAuditState, STATE_FOLDER } from './state.js';

const record = (index: number): AuditRecord =>
  ({ index, name: `e${index}`, label: 1, predicted: 1, explained: 1, probability: 0.9, shares: {}, maps: {} }) as unknown as AuditRecord;

/** A process id that no process has: one of a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid ?? 0;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

describe('audit state shared by several processes', () => {
  const tmp = scratch('salience-audit-state-');
  afterAll(() => tmp.remove());

  it('locks the folder while open, and a second opener is refused naming the holder', async () => {
    const state = await openAuditState(tmp.path('a'), { k: 1 });
    expect(readdirSync(join(state.dir)).sort()).toEqual(['lock', 'run.json']);
    // The same process opening it again counts as another audit only through another pid: fake the holder.
    writeFileSync(join(state.dir, 'lock'), JSON.stringify({ pid: process.ppid, started: 'then' }));
    await expect(openAuditState(tmp.path('a'), { k: 1 })).rejects.toMatchObject({
      kind: 'output',
      message: expect.stringMatching(/Another audit \(process \d+, started then\) is working in --out/),
    });
    writeFileSync(join(state.dir, 'lock'), JSON.stringify({ pid: process.pid }));
    await state.release();
    expect(existsSync(join(state.dir, 'lock'))).toBe(false);
  });

  it('refuses a second audit in the same process too', async () => {
    const first = await openAuditState(tmp.path('twice'), { k: 1 });
    await expect(openAuditState(tmp.path('twice'), { k: 1 })).rejects.toThrow(new RegExp(`Another audit \\(process ${process.pid},`));
    await first.release();
    const second = await openAuditState(tmp.path('twice'), { k: 1 });
    await second.release();
  });

  it('takes over a lock left by a process that is gone, with a note', async () => {
    const dir = tmp.path('stale', STATE_FOLDER);
    mkdirSync(dir, { recursive: true });
    const pid = await deadPid();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid }));
    const notes: string[] = [];
    const state = await openAuditState(tmp.path('stale'), { k: 1 }, { note: (m) => notes.push(m) });
    expect(notes.join('\n')).toMatch(new RegExp(`left by a process that is gone \\(${pid}\\); taking it over`));
    expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await state.release();
  });

  it("removes only its own or dead processes' temporary files, never a running one's", async () => {
    const dir = tmp.path('tmps', STATE_FOLDER);
    mkdirSync(dir, { recursive: true });
    const dead = await deadPid();
    const running = `data-0000.m0.rec.${process.ppid}-abcdef.tmp`;
    writeFileSync(join(dir, running), 'another process is writing this');
    writeFileSync(join(dir, `data-0001.m0.rec.${dead}-abcdef.tmp`), 'left by a crash');
    const state = await openAuditState(tmp.path('tmps'), { k: 1 });
    expect(readdirSync(dir).sort()).toEqual([running, 'lock', 'run.json'].sort());
    await state.release();
  });

  it('recomputes a chunk whose bytes were flipped (checksum), and reads back an intact one', async () => {
    const notes: string[] = [];
    const state = await openAuditState(tmp.path('flip'), { k: 1 }, { note: (m) => notes.push(m) });
    const records = [record(0), record(1)];
    await state.writeChunk('data', 0, [records]);
    expect(await state.readChunk('data', 0, 1, 0, 2)).toHaveLength(1);
    const file = join(state.dir, 'data-0000.m0.rec');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3]! ^= 0x40;
    writeFileSync(file, bytes);
    expect(await state.readChunk('data', 0, 1, 0, 2)).toBeUndefined();
    expect(notes.join('\n')).toMatch(/data-0000\.m0\.rec is unreadable \(checksum mismatch: the file was changed or damaged\); computing that chunk again\./);
    await state.release();
  });

  it('refuses a folder with files salience did not write, and with overwrite keeps them', async () => {
    mkdirSync(tmp.path('user'));
    writeFileSync(tmp.path('user', 'notes.txt'), 'mine');
    await expect(openAuditState(tmp.path('user'), { k: 1 })).rejects.toThrow(/exists and is not a salience audit output: it holds files salience did not write \(notes\.txt\)/);
    const state = await openAuditState(tmp.path('user'), { k: 1 }, { overwrite: true });
    await state.writeOutput('summary.json', '{}');
    await state.release();
    const again = await openAuditState(tmp.path('user'), { k: 2 }, { overwrite: true, fresh: true });
    await again.release();
    // --fresh removed the listed summary.json, and only that.
    expect(readdirSync(tmp.path('user')).sort()).toEqual([STATE_FOLDER, 'notes.txt']);
  });
});
