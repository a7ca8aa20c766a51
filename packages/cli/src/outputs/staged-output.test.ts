import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from './manifest.js';
import { checkOutputFolder, SUMMARY_FILE, stageOutput } from './staged-output.js';

describe('stageOutput', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'salience-stage-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A finished earlier salience output holding `files`. */
  async function earlier(out: string, files: Record<string, string>): Promise<void> {
    const stage = await stageOutput(out);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(stage.dir, name, '..'), { recursive: true });
      writeFileSync(join(stage.dir, name), text);
    }
    await stage.commit();
  }

  it('writes into a hidden sibling and moves it into place on commit, with a manifest of what it wrote', async () => {
    const stage = await stageOutput(join(root, 'out'));
    expect(stage.dir.startsWith(join(root, '.out.salience-'))).toBe(true);
    writeFileSync(join(stage.dir, 'a.txt'), 'a');
    mkdirSync(join(stage.dir, 'overlays'));
    writeFileSync(join(stage.dir, 'overlays', 'b.png'), 'b');
    expect(existsSync(join(root, 'out'))).toBe(false);
    await stage.commit();
    expect(readdirSync(root)).toEqual(['out']);
    expect(readFileSync(join(root, 'out', 'a.txt'), 'utf8')).toBe('a');
    expect(JSON.parse(readFileSync(join(root, 'out', MANIFEST_FILE), 'utf8'))).toEqual({ tool: 'salience', command: 'explain', files: ['a.txt', 'overlays/b.png'] });
  });

  it('leaves nothing behind when discarded, including the parents it created', async () => {
    const stage = await stageOutput(join(root, 'deep', 'er', 'out'));
    writeFileSync(join(stage.dir, 'half.npy'), 'x');
    await stage.discard();
    expect(readdirSync(root)).toEqual([]);
  });

  it('replaces an earlier salience output whose files its manifest lists, and keeps it intact when the new run is discarded', async () => {
    const out = join(root, 'out');
    await earlier(out, { 'old.npy': 'old', [SUMMARY_FILE]: '{"tool":"salience"}' });
    const failed = await stageOutput(out);
    writeFileSync(join(failed.dir, 'new.npy'), 'new');
    await failed.discard();
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'old.npy', SUMMARY_FILE]);
    const next = await stageOutput(out);
    writeFileSync(join(next.dir, 'new.npy'), 'new');
    await next.commit();
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'new.npy']);
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('never removes a file that no salience manifest lists: a summary.json saying "salience" is not enough (issue 16 repro)', async () => {
    const out = join(root, 'd');
    mkdirSync(out);
    writeFileSync(join(out, SUMMARY_FILE), '{"tool":"salience"}');
    writeFileSync(join(out, 'thesis.tex'), 'my thesis');
    await expect(stageOutput(out)).rejects.toMatchObject({
      kind: 'output',
      exitCode: 10,
      message: expect.stringMatching(/holds files that salience did not write \(summary\.json, thesis\.tex\); choose a new or empty folder, or give --overwrite/),
    });
    expect(readdirSync(out).sort()).toEqual([SUMMARY_FILE, 'thesis.tex']);
    expect(readdirSync(root)).toEqual(['d']);
  });

  it("with overwrite, writes beside the user's files, replacing only the listed ones", async () => {
    const out = join(root, 'out');
    await earlier(out, { 'gradient.npy': 'old', 'overlays/gradient/x.png': 'old', 'ig.npy': 'old' });
    writeFileSync(join(out, 'thesis.tex'), 'mine');
    mkdirSync(join(out, 'drafts'));
    await expect(checkOutputFolder(out)).rejects.toThrow(/holds files that salience did not write \(drafts\/, thesis\.tex\)/);
    const stage = await stageOutput(out, { overwrite: true });
    writeFileSync(join(stage.dir, 'gradient.npy'), 'new');
    await stage.commit();
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'drafts', 'gradient.npy', 'thesis.tex']);
    expect(readFileSync(join(out, 'gradient.npy'), 'utf8')).toBe('new');
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('mine');
    expect(JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')).files).toEqual(['gradient.npy']);
    expect(readdirSync(root)).toEqual(['out']);
  });

  it("with overwrite, still refuses to replace a file of the user that bears an output's name", async () => {
    const out = join(root, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'report.html'), 'my report');
    await expect(checkOutputFolder(out, { overwrite: true, reserved: ['report.html'] })).rejects.toThrow(/holds report\.html, which salience did not write and would replace/);
    const stage = await stageOutput(out, { overwrite: true });
    writeFileSync(join(stage.dir, 'report.html'), 'ours');
    await expect(stage.commit()).rejects.toThrow(/holds report\.html, which salience did not write/);
    await stage.discard();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('my report');
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('refuses a file as the output folder', async () => {
    writeFileSync(join(root, 'file'), 'x');
    await expect(stageOutput(join(root, 'file'))).rejects.toThrow(/is a file; give a folder path/);
    expect(readdirSync(root)).toEqual(['file']);
  });

  it('refuses a folder that gained a foreign file while the run worked', async () => {
    const out = join(root, 'out');
    mkdirSync(out);
    const stage = await stageOutput(out);
    writeFileSync(join(stage.dir, 'x'), 'x');
    writeFileSync(join(out, 'late.txt'), 'mine');
    await expect(stage.commit()).rejects.toThrow(/late\.txt/);
    await stage.discard();
    expect(readdirSync(out)).toEqual(['late.txt']);
  });

  it('accepts an empty folder', async () => {
    const out = join(root, 'empty');
    mkdirSync(out);
    const stage = await stageOutput(out);
    writeFileSync(join(stage.dir, 'x'), 'x');
    await stage.commit();
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'x']);
  });
});
