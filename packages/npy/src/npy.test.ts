import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NpyError } from './errors.js';
import { isNpy, readNpy, writeNpy } from './npy.js';

// Written by NumPy (tools/make-npy-fixtures.py): a = arange(24).reshape(2, 3, 4) / 8 - 1 in several dtypes and orders.
const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/npy/${name}`, import.meta.url));
const expected = Float32Array.from({ length: 24 }, (_, i) => i / 8 - 1);

describe('readNpy', () => {
  it.each(['f4.npy', 'f8.npy', 'f8-big-endian.npy', 'fortran.npy', 'v2.npy', 'f2.npy'])('reads %s as float32 in C order', (name) => {
    const array = readNpy(fixture(name));
    expect(array.shape).toEqual([2, 3, 4]);
    expect(array.data).toBeInstanceOf(Float32Array);
    expect(Array.from(array.data)).toEqual(Array.from(expected));
  });

  it('converts integers, bytes and booleans', () => {
    expect(Array.from(readNpy(fixture('i8.npy')).data)).toEqual(Array.from(expected, (v) => v * 8));
    expect(readNpy(fixture('i8.npy')).dtype).toBe('<i8');
    expect(Array.from(readNpy(fixture('u1.npy')).data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const flags = readNpy(fixture('bool.npy'));
    expect(flags.shape).toEqual([2, 3]);
    expect(Array.from(flags.data)).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it('reads one-dimensional arrays', () => {
    const v = readNpy(fixture('scalar-vector.npy'));
    expect(v.shape).toEqual([2]);
    expect(Array.from(v.data)).toEqual([1.5, -2]);
  });

  it('rejects files that are not .npy, truncated data and unsupported dtypes with a coded NpyError', () => {
    const bad = (bytes: Uint8Array) => {
      try {
        readNpy(bytes, 'x.npy');
      } catch (error) {
        expect(error).toBeInstanceOf(NpyError);
        return `${(error as NpyError).code}: ${(error as Error).message}`;
      }
      throw new Error('expected a failure');
    };
    expect(bad(new TextEncoder().encode('hello world, not numpy'))).toMatch(/^NOT_NPY: x\.npy is not a readable \.npy file: it does not start/);
    const f4 = fixture('f4.npy');
    expect(bad(f4.subarray(0, f4.length - 4))).toMatch(/^TRUNCATED: .*needs 96 bytes of data but the file has 92/);
    expect(bad(f4.subarray(0, 40))).toMatch(/^TRUNCATED: .*ends inside its header/);
    const complex = new TextDecoder('latin1').decode(f4).replace("'<f4'", "'<c8'");
    expect(bad(Uint8Array.from(complex, (c) => c.charCodeAt(0)))).toMatch(/^UNSUPPORTED_DTYPE: .*dtype '<c8' is not supported/);
    const noShape = new TextDecoder('latin1').decode(f4).replace("'shape'", "'shapf'");
    expect(bad(Uint8Array.from(noShape, (c) => c.charCodeAt(0)))).toMatch(/^BAD_HEADER: /);
  });
});

describe('writeNpy', () => {
  it('writes float32 little-endian C order with a 64-byte aligned header, which readNpy reads back', () => {
    const t = { data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3), shape: [2, 3, 4] };
    const bytes = writeNpy(t);
    const headerLength = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3, 4\), \} *\n$/);
    const back = readNpy(bytes);
    expect(back.shape).toEqual([2, 3, 4]);
    expect(back.data).toEqual(t.data);
  });

  it('writes the same bytes as NumPy for the same array', () => {
    const written = writeNpy({ data: expected, shape: [2, 3, 4] });
    expect(Buffer.from(written).equals(fixture('f4.npy'))).toBe(true);
  });

  it('refuses a shape that does not match the values', () => {
    expect(() => writeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/has 5 values but its shape \[2, 3\] needs 6/);
  });

  it('spells one-dimensional shapes as Python tuples', () => {
    const bytes = writeNpy({ data: Float32Array.of(1, 2), shape: [2] });
    expect(new TextDecoder().decode(bytes)).toContain("'shape': (2,)");
    expect(Array.from(readNpy(bytes).data)).toEqual([1, 2]);
  });
});

describe('isNpy', () => {
  it('tells a .npy from other bytes by its magic', () => {
    expect(isNpy(fixture('f4.npy').subarray(0, 6))).toBe(true);
    expect(isNpy(writeNpy({ data: Float32Array.of(1), shape: [1] }))).toBe(true);
    expect(isNpy(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe(false);
    expect(isNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50))).toBe(false);
    expect(isNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x5a))).toBe(false);
  });
});
