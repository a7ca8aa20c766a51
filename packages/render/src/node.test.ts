import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import { writeHtmlReport, writePng } from './node.js';
import { decodePng } from './png.js';

const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

describe('@salience/render/node', () => {
  it('writes PNGs and reports, creating folders', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'salience-render-'));
    folders.push(folder);
    const image = createImage(3, 2, [9, 8, 7, 255]);
    await writePng(join(folder, 'a', 'b.png'), image);
    const back = decodePng(new Uint8Array(await readFile(join(folder, 'a', 'b.png'))));
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
    await writeHtmlReport(join(folder, 'r', 'report.html'), { title: 'x', examples: [{ image }], methods: [] });
    expect(await readFile(join(folder, 'r', 'report.html'), 'utf8')).toContain('<title>x</title>');
  });
});
