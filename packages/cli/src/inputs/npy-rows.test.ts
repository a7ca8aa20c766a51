import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { writeNpy } from './npy.js';
import { openNpyRows } from './npy-rows.js';

// NumPy-written files (tools/make-npy-fixtures.py), kept with the reader in @salience/npy.
const fixtures = join(dirname(createRequire(import.meta.url).resolve('@salience/npy/package.json')), 'test', 'fixtures', 'npy');
const fixture = (name: string) => join(fixtures, name);
/** What every fixture holds: arange(24).reshape(2, 3, 4) / 8 - 1. */
const expected = Float32Array.from({ length: 24 }, (_, i) => i / 8 - 1);

describe('openNpyRows', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('reads only the bytes of the rows asked for', async () => {
    // 2000 examples of 1x28x28 float32: 6.3 MB, of which a chunk of 10 rows is 31 KB.
    const rows = 2000;
    const size = 28 * 28;
    const data = Float32Array.from({ length: rows * size }, (_, i) => (i % 9973) / 9973);
    const path = tmp.path('big.npy');
    writeFileSync(path, writeNpy({ data, shape: [rows, 1, 28, 28] }));
    const reader = await openNpyRows(path);
    expect(reader.shape).toEqual([rows, 1, 28, 28]);
    expect(reader.bytesRead).toBe(0);
    const chunk = await reader.readRows(100, 110);
    expect(chunk.shape).toEqual([10, 1, 28, 28]);
    expect(chunk.data).toEqual(data.subarray(100 * size, 110 * size));
    expect(reader.bytesRead).toBe(10 * size * 4);
    const last = await reader.readRows(1999, 2000);
    expect(last.data).toEqual(data.subarray(1999 * size));
    expect(reader.bytesRead).toBe(11 * size * 4);
  });

  it.each(['f4.npy', 'f8.npy', 'f8-big-endian.npy', 'v2.npy', 'f2.npy', 'i8.npy'])('reads rows of %s as float32', async (name) => {
    const reader = await openNpyRows(fixture(name));
    expect(reader.wholeFile).toBe(false);
    const row = await reader.readRows(1, 2);
    expect(row.shape).toEqual([1, 3, 4]);
    const scale = name === 'i8.npy' ? 8 : 1;
    expect(Array.from(row.data)).toEqual(Array.from(expected.subarray(12), (v) => v * scale));
  });

  it('reads a Fortran-order file whole, once, and still gives C-order rows', async () => {
    const reader = await openNpyRows(fixture('fortran.npy'));
    expect(reader.wholeFile).toBe(true);
    expect(Array.from((await reader.readRows(1, 2)).data)).toEqual(Array.from(expected.subarray(12)));
    const afterFirst = reader.bytesRead;
    expect(Array.from((await reader.readRows(0, 1)).data)).toEqual(Array.from(expected.subarray(0, 12)));
    expect(reader.bytesRead).toBe(afterFirst);
  });

  it('rejects files that are not batches of examples, and rows out of range', async () => {
    await expect(openNpyRows(fixture('scalar-vector.npy'))).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/inputs are batch first/) });
    await expect(openNpyRows(tmp.path('missing.npy'))).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/it does not exist/) });
    writeFileSync(tmp.path('short.npy'), writeNpy({ data: new Float32Array(24), shape: [2, 3, 4] }).subarray(0, 140));
    await expect(openNpyRows(tmp.path('short.npy'))).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/needs 96 bytes of data but the file has/) });
    writeFileSync(tmp.path('text.npy'), 'hello');
    await expect(openNpyRows(tmp.path('text.npy'))).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/does not start with/) });
    const reader = await openNpyRows(fixture('f4.npy'));
    await expect(reader.readRows(1, 3)).rejects.toThrow(RangeError);
  });
});
