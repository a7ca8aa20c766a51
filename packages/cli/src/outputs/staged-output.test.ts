import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUMMARY_FILE, stageOutput } from './staged-output.js';

describe('stageOutput', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'salience-stage-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes into a hidden sibling and moves it into place on commit', async () => {
    const stage = await stageOutput(join(root, 'out'));
    expect(stage.dir.startsWith(join(root, '.out.salience-'))).toBe(true);
    writeFileSync(join(stage.dir, 'a.txt'), 'a');
    expect(existsSync(join(root, 'out'))).toBe(false);
    await stage.commit();
    expect(readdirSync(root)).toEqual(['out']);
    expect(readFileSync(join(root, 'out', 'a.txt'), 'utf8')).toBe('a');
  });

  it('leaves nothing behind when discarded, including the parents it created', async () => {
    const stage = await stageOutput(join(root, 'deep', 'er', 'out'));
    writeFileSync(join(stage.dir, 'half.npy'), 'x');
    await stage.discard();
    expect(readdirSync(root)).toEqual([]);
  });

  it('replaces an earlier salience output, and keeps it intact when the new run is discarded', async () => {
    const out = join(root, 'out');
    mkdirSync(out);
    writeFileSync(join(out, SUMMARY_FILE), JSON.stringify({ tool: 'salience' }));
    writeFileSync(join(out, 'old.npy'), 'old');
    const failed = await stageOutput(out);
    writeFileSync(join(failed.dir, 'new.npy'), 'new');
    await failed.discard();
    expect(readdirSync(out).sort()).toEqual(['old.npy', SUMMARY_FILE]);
    const next = await stageOutput(out);
    writeFileSync(join(next.dir, 'new.npy'), 'new');
    await next.commit();
    expect(readdirSync(out)).toEqual(['new.npy']);
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('refuses to replace a folder that is not a salience output, or a file', async () => {
    const mine = join(root, 'thesis');
    mkdirSync(mine);
    writeFileSync(join(mine, 'chapter1.tex'), '...');
    await expect(stageOutput(mine)).rejects.toMatchObject({ kind: 'output', exitCode: 10, message: expect.stringMatching(/exists and is not a salience output/) });
    writeFileSync(join(root, 'file'), 'x');
    await expect(stageOutput(join(root, 'file'))).rejects.toThrow(/is a file; give a folder path/);
    expect(readdirSync(mine)).toEqual(['chapter1.tex']);
    expect(readdirSync(root).sort()).toEqual(['file', 'thesis']);
  });

  it('accepts an empty folder', async () => {
    const out = join(root, 'empty');
    mkdirSync(out);
    const stage = await stageOutput(out);
    writeFileSync(join(stage.dir, 'x'), 'x');
    await stage.commit();
    expect(readdirSync(out)).toEqual(['x']);
  });
});
