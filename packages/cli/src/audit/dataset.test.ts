import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { writeNpy } from '../inputs/npy.js';
import { BUILTIN_DIR } from '../models/builtin.js';
import { listDataset, loadChunk } from './dataset.js';

const classNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const sample = (name: string) => `${BUILTIN_DIR}samples/${name}.png`;

describe('listDataset', () => {
  const tmp = scratch();
  beforeAll(() => {
    // flat/: three images and a file that is not one; classes/: ImageFolder style, a nested folder inside a class.
    mkdirSync(tmp.path('flat'));
    for (const [i, name] of ['06-shirt', '01-trouser', '09-ankle-boot'].entries()) copyFileSync(sample(name), tmp.path('flat', `img-${i === 2 ? 10 : i + 1}.png`));
    writeFileSync(tmp.path('flat', 'truth.csv'), 'file,label\nimg-1.png,Shirt\nimg-2.png,1\nimg-10.png,9\n');
    mkdirSync(tmp.path('classes', 'shirt', 'more'), { recursive: true });
    mkdirSync(tmp.path('classes', 'Trouser'));
    mkdirSync(tmp.path('classes', 'empty'));
    copyFileSync(sample('06-shirt'), tmp.path('classes', 'shirt', 'a.png'));
    copyFileSync(sample('10-shirt'), tmp.path('classes', 'shirt', 'more', 'b.png'));
    copyFileSync(sample('01-trouser'), tmp.path('classes', 'Trouser', 'c.png'));
    mkdirSync(tmp.path('numbered', '6'), { recursive: true });
    mkdirSync(tmp.path('numbered', '1'));
    copyFileSync(sample('06-shirt'), tmp.path('numbered', '6', 'a.png'));
    copyFileSync(sample('01-trouser'), tmp.path('numbered', '1', 'b.png'));
  });
  afterAll(() => tmp.remove());

  it('lists a flat folder in natural name order, labels from a truth file, without loading an image', async () => {
    const d = await listDataset('data', [tmp.path('flat')], { truth: tmp.path('flat', 'truth.csv'), classNames });
    expect(d.kind).toBe('images');
    expect(d.examples.map((e) => [e.name, e.key, e.label])).toEqual([
      ['img-1', 'img-1.png', 6],
      ['img-2', 'img-2.png', 1],
      ['img-10', 'img-10.png', 9],
    ]);
    expect(d.labels).toEqual({ kind: 'truth', file: tmp.path('flat', 'truth.csv') });
  });

  it('lists image files given one by one, unlabelled without a truth file', async () => {
    const d = await listDataset('data', [sample('06-shirt'), sample('01-trouser')]);
    expect(d.examples.map((e) => [e.name, e.key, e.label])).toEqual([
      ['06-shirt', '06-shirt.png', null],
      ['01-trouser', '01-trouser.png', null],
    ]);
    expect(d.labels).toEqual({ kind: 'none' });
  });

  it('reads class folders (ImageFolder style): by class name, by class index, or in sorted order', async () => {
    const named = await listDataset('data', [tmp.path('classes')], { classNames });
    expect(named.examples.map((e) => [e.key, e.label])).toEqual([
      ['shirt/a.png', 6],
      ['shirt/more/b.png', 6],
      ['Trouser/c.png', 1],
    ]);
    expect(named.labels).toEqual({ kind: 'folders', match: 'class names', folders: ['shirt', 'Trouser'] });
    const indexed = await listDataset('data', [tmp.path('numbered')]);
    expect(indexed.examples.map((e) => [e.key, e.label])).toEqual([
      ['1/b.png', 1],
      ['6/a.png', 6],
    ]);
    expect(indexed.labels).toMatchObject({ match: 'class indices' });
    const sorted = await listDataset('data', [tmp.path('classes')]);
    expect(sorted.examples.map((e) => e.label)).toEqual([1, 1, 0]);
    expect(sorted.labels).toMatchObject({ match: 'sorted folder names' });
    expect(sorted.folderClassNames).toEqual(['Trouser', 'shirt']);
  });

  it('lets a truth file win over class folders, with a note', async () => {
    writeFileSync(tmp.path('classes-truth.txt'), '0\n0\n0\n');
    const notes: string[] = [];
    const d = await listDataset('data', [tmp.path('classes')], { truth: tmp.path('classes-truth.txt'), classNames, note: (n) => notes.push(n) });
    expect(d.examples.map((e) => e.label)).toEqual([0, 0, 0]);
    expect(notes[0]).toMatch(/has class folders, and --truth .* gives the labels instead/);
  });

  it('lists .npy files from their headers, and loads chunks across files', async () => {
    const a = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
    const b = Float32Array.from({ length: 2 * 4 }, (_, i) => 100 + i);
    writeFileSync(tmp.path('a.npy'), writeNpy({ data: a, shape: [3, 1, 2, 2] }));
    writeFileSync(tmp.path('b.npy'), writeNpy({ data: b, shape: [2, 1, 2, 2] }));
    writeFileSync(tmp.path('ab.txt'), '0\n1\n2\n3\n4\n');
    const d = await listDataset('data', [tmp.path('a.npy'), tmp.path('b.npy')], { truth: tmp.path('ab.txt') });
    expect(d.kind).toBe('tensor');
    expect(d.examples.map((e) => [e.name, e.label])).toEqual([
      ['a[0]', 0],
      ['a[1]', 1],
      ['a[2]', 2],
      ['b[0]', 3],
      ['b[1]', 4],
    ]);
    const chunk = await loadChunk(d, 2, 4);
    expect(chunk.kind).toBe('tensor');
    if (chunk.kind !== 'tensor') return;
    expect(chunk.tensor.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(chunk.tensor.data)).toEqual([8, 9, 10, 11, 100, 101, 102, 103]);
  });

  it('loads a chunk of images', async () => {
    const d = await listDataset('data', [tmp.path('flat')]);
    const chunk = await loadChunk(d, 1, 3);
    expect(chunk.kind === 'images' && chunk.images.map((i) => [i.width, i.height])).toEqual([
      [28, 28],
      [28, 28],
    ]);
  });

  it('refuses data it cannot audit, with an input-file or usage error', async () => {
    writeFileSync(tmp.path('notes.txt'), 'hello');
    writeFileSync(tmp.path('c.npy'), writeNpy({ data: new Float32Array(6), shape: [2, 3] }));
    mkdirSync(tmp.path('nothing'));
    const fails = (paths: string[], options = {}) =>
      listDataset('data', paths, options).then(
        () => undefined,
        (e: unknown) => e as { exitCode: number; message: string },
      );
    expect(await fails([tmp.path('missing')])).toMatchObject({ exitCode: 3, message: expect.stringMatching(/Cannot read the data .*missing: it does not exist/) });
    expect(await fails([tmp.path('notes.txt')])).toMatchObject({ exitCode: 3, message: expect.stringMatching(/notes\.txt is not a PNG, JPEG or \.npy file/) });
    expect(await fails([tmp.path('nothing')])).toMatchObject({ exitCode: 3, message: expect.stringMatching(/holds no PNG or JPEG image, nor subfolders of them/) });
    expect(await fails([tmp.path('a.npy'), tmp.path('c.npy')])).toMatchObject({ exitCode: 3, message: expect.stringMatching(/different example shapes: \[1, 2, 2\] and \[3\]/) });
    expect(await fails([tmp.path('a.npy'), sample('06-shirt')])).toMatchObject({ exitCode: 2, message: expect.stringMatching(/either images \(PNG\/JPEG\) or \.npy tensors/) });
    expect(await fails([tmp.path('classes')], { classNames: ['Shirt', 'Trouser'] })).toBeUndefined();
    expect(await fails([tmp.path('classes')], { classNames: ['Shirt', 'Coat'] })).toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/class folder .*Trouser is not a class of --labels \(Shirt, Coat\)/),
    });
  });
});
