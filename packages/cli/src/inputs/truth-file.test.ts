import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { writeNpy } from './npy.js';
import { checkLabelRange, classIndexOf, parseCsv, readTruth } from './truth-file.js';

const classNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Three examples of a folder: one at its top, two in a subfolder. */
const examples = [
  { key: 'a.png', path: 'data/a.png' },
  { key: 'sub/b.png', path: 'data/sub/b.png' },
  { key: 'sub/c.png', path: 'data/sub/c.png' },
];

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF and a last line without an end', () => {
    expect(parseCsv('file,label\r\n"a, b.png",3\n"say ""hi""",\nlast,1')).toEqual([
      ['file', 'label'],
      ['a, b.png', '3'],
      ['say "hi"', ''],
      ['last', '1'],
    ]);
    expect(parseCsv('x\n\n\ny\n')).toEqual([['x'], ['y']]);
  });
});

describe('classIndexOf', () => {
  it('takes indices, names without case, and names without punctuation', () => {
    expect(classIndexOf('6', classNames)).toBe(6);
    expect(classIndexOf('shirt', classNames)).toBe(6);
    expect(classIndexOf('t-shirt-top', classNames)).toBe(0);
    expect(classIndexOf('Ankle_Boot', classNames)).toBe(9);
    expect(classIndexOf('Sock', classNames)).toBeUndefined();
    expect(classIndexOf('Shirt', undefined)).toBeUndefined();
    expect(classIndexOf(' 12 ', undefined)).toBe(12);
  });
});

describe('readTruth', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());
  const file = (name: string, content: string | Uint8Array) => {
    writeFileSync(tmp.path(name), content);
    return tmp.path(name);
  };

  it('reads a .csv by file: relative path, path as given, or unique file name; indices or class names', async () => {
    const notes: string[] = [];
    const path = file('truth.csv', 'id,file,label,watermark\n1,sub/b.png,Shirt,1\n2,data/a.png,3,0\n3,c.png,,0\n');
    expect(await readTruth(path, examples, classNames, (n) => notes.push(n))).toEqual([3, 6, null]);
    expect(notes).toEqual([]);
  });

  it('counts the examples a .csv leaves out as unlabelled, with a note', async () => {
    const notes: string[] = [];
    const path = file('partial.csv', '\uFEFFFile,Label\r\na.png,1\r\n');
    expect(await readTruth(path, examples, classNames, (n) => notes.push(n))).toEqual([1, null, null]);
    expect(notes).toEqual([`2 of 3 examples have no row in ${path}; they count as unlabelled.`]);
  });

  it('reads .txt (one per line), .npy and .json arrays in example order', async () => {
    expect(await readTruth(file('t.txt', '2\nTrouser\n\n\n'), examples.slice(0, 2), classNames)).toEqual([2, 1]);
    expect(await readTruth(file('t2.txt', '2\n\n5\n'), examples, classNames)).toEqual([2, null, 5]);
    expect(await readTruth(file('t.npy', writeNpy({ data: Float32Array.from([4, -1, 0]), shape: [3] })), examples, undefined)).toEqual([4, null, 0]);
    expect(await readTruth(file('t.json', '[1, null, "Bag"]'), examples, classNames)).toEqual([1, null, 8]);
  });

  it('refuses, with exit status 3, a truth file that does not fit the data', async () => {
    const fails = async (name: string, content: string | Uint8Array, message: RegExp, names: string[] | null = classNames) => {
      const error = await readTruth(file(name, content), examples, names ?? undefined).then(
        () => undefined,
        (e: unknown) => e as { exitCode: number; message: string },
      );
      expect(error?.exitCode, name).toBe(3);
      expect(error?.message).toMatch(message);
    };
    await fails('count.txt', '1\n2\n', /has 2 labels for 3 examples/);
    await fails('count.json', '[1, 2, 3, 4]', /has 4 labels for 3 examples/);
    await fails('count.npy', writeNpy({ data: Float32Array.from([1, 2]), shape: [2] }), /has 2 labels for 3 examples/);
    await fails('shape.npy', writeNpy({ data: Float32Array.from([1, 2, 3]), shape: [3, 1] }), /one class index per example \(shape \(N,\)\)/);
    await fails('frac.npy', writeNpy({ data: Float32Array.from([1, 2.5, 3]), shape: [3] }), /value 1 is 2\.5, not a class index/);
    await fails('unknown.csv', 'file,label\nd.png,1\n', /line 2 names 'd\.png', which is not one of the examples/);
    await fails('twice.csv', 'file,label\na.png,1\ndata/a.png,2\n', /line 3 names 'data\/a\.png' a second time/);
    await fails('columns.csv', 'name,class\na.png,1\n', /needs a header with the columns 'file' and 'label'; its header is 'name,class'/);
    await fails(
      'name.csv',
      'file,label\na.png,Sock\n',
      /line 2 has the label 'Sock', which is neither a class index nor a class name; the class names of --labels are T-shirt\/top/,
    );
    await fails('name.txt', 'Shirt\n1\n2\n', /class names need --labels/, null);
    await fails('bad.json', '{"a": 1}', /holds an array of class indices/);
    await fails('neg.json', '[1, -3, 2]', /entry 1 is -3, not a class index/);
    await fails('truth.xlsx', 'x', /is not \.csv, \.txt, \.npy or \.json/);
    const missing = await readTruth(tmp.path('nope.csv'), examples, classNames).catch((e: unknown) => e as { exitCode: number; message: string });
    expect(missing).toMatchObject({ exitCode: 3, message: expect.stringMatching(/Cannot read the truth file .*nope\.csv: it does not exist/) });
  });

  it('finds ambiguous file names', async () => {
    const twins = [
      { key: 'x/a.png', path: 'd/x/a.png' },
      { key: 'y/a.png', path: 'd/y/a.png' },
    ];
    await expect(readTruth(file('ambiguous.csv', 'file,label\na.png,1\n'), twins, classNames)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/names 'a\.png', which fits 2 examples; give its path relative to the data folder/),
    });
    expect(await readTruth(file('exact.csv', 'file,label\nx/a.png,1\ny\\a.png,2\n'), twins, classNames)).toEqual([1, 2]);
  });

  it("checks labels against the model's classes", () => {
    expect(() => checkLabelRange([1, null, 9], 10, 't.csv', ['a', 'b', 'c'])).not.toThrow();
    expect(() => checkLabelRange([1, null, 10], 10, 't.csv', ['a', 'b', 'c'])).toThrow(/t\.csv gives c the class 10, but the model has classes 0\.\.9/);
  });
});
