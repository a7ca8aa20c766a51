import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpyError } from './errors.js';
import { readNpy, writeNpy } from './npy.js';

/** A version 1.0 file with the header text given and `data` after it. */
function npyBytes(major: number, headerLength: number, header: string, data: Uint8Array): Uint8Array {
  const text = Uint8Array.from(header, (c) => c.charCodeAt(0) & 0xff);
  const preamble = major === 1 ? 10 : 12;
  const bytes = new Uint8Array(preamble + text.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(bytes.buffer);
  if (major === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  bytes.set(text, preamble);
  bytes.set(data, preamble + text.length);
  return bytes;
}

/** Magic, a version (some unknown), a header length that may lie, then anything. */
const nearlyNpy = fc
  .tuple(fc.constantFrom(1, 2, 3, 4), fc.nat(400), fc.string({ maxLength: 120 }), fc.uint8Array({ maxLength: 200 }))
  .map(([major, length, header, data]) => npyBytes(major, length, header, data));
/** Well-formed headers with random dtypes (some unsupported), orders, shapes (some negative) and data lengths. */
const headed = fc
  .tuple(
    fc.constantFrom('<f4', '>f4', '<f8', '>f8', '|u1', '<i2', '<i8', '>u8', '|b1', '<f2', '<c8', '|O', 'x'),
    fc.boolean(),
    fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }),
    fc.uint8Array({ maxLength: 256 }),
  )
  .map(([descr, fortran, shape, data]) => {
    const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }\n`;
    return npyBytes(1, header.length, header, data);
  });

describe('property: readNpy takes any bytes', () => {
  it('gives an array whose shape fits its values, or an NpyError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nearlyNpy, headed), (bytes) => {
        let array: ReturnType<typeof readNpy>;
        try {
          array = readNpy(bytes, 'x.npy');
        } catch (error) {
          expect(error).toBeInstanceOf(NpyError);
          expect((error as Error).message).toMatch(/^x\.npy is not a readable \.npy file: /);
          return;
        }
        expect(array.data).toBeInstanceOf(Float32Array);
        expect(array.data.length).toBe(array.shape.reduce((a, b) => a * b, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back what writeNpy wrote, for any finite values and shape', () => {
    const tensors = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc.float32Array({ minLength: size, maxLength: size, noNaN: true, noDefaultInfinity: true }).map((data) => ({ data, shape }));
    });
    fc.assert(
      fc.property(tensors, (tensor) => {
        const back = readNpy(writeNpy(tensor));
        expect(back.shape).toEqual(tensor.shape);
        expect(back.dtype).toBe('<f4');
        expect(back.data).toEqual(tensor.data);
      }),
      { numRuns: 300 },
    );
  });
});
