import { describe, expect, it } from 'vitest';
import { encodeNpy } from './npy.js';

function header(bytes: Uint8Array): { text: string; dataStart: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  return { text: new TextDecoder().decode(bytes.subarray(10, 10 + length)), dataStart: 10 + length };
}

describe('encodeNpy', () => {
  it('writes the magic, a 64-byte aligned header with dtype and shape, and the float32 values', () => {
    const bytes = encodeNpy({ data: Float32Array.of(1, -2.5, 3, 0.125, 5, 6), shape: [1, 2, 3] });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const { text, dataStart } = header(bytes);
    expect(dataStart % 64).toBe(0);
    expect(text).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2, 3\), \} *\n$/);
    expect(bytes.length).toBe(dataStart + 6 * 4);
    const values = new Float32Array(bytes.slice(dataStart).buffer);
    expect(Array.from(values)).toEqual([1, -2.5, 3, 0.125, 5, 6]);
  });

  it("writes a 1-D shape as Python's one-element tuple", () => {
    expect(header(encodeNpy({ data: Float32Array.of(7), shape: [1] })).text).toContain("'shape': (1,)");
  });

  it('refuses a shape that does not match the values', () => {
    expect(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/needs 6/);
  });
});
