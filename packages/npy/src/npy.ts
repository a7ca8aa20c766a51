import { NpyError, type NpyErrorCode } from './errors.js';

/** Float32 values in C (row-major) order and their shape; the same shape as `TensorData` of @salience/core. */
export interface NpyTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** A decoded `.npy` array: its values as float32 in C order, and what the file held. */
export interface NpyArray extends NpyTensor {
  /** The file's dtype, e.g. '<f4', '<f8', '|u1'. */
  readonly dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number;

/** Element readers by kind and size; 64-bit integers go through BigInt (exact up to 2^53). */
const READERS: Record<string, Reader> = {
  f2: (v, o, le) => halfToFloat(v.getUint16(o, le)),
  f4: (v, o, le) => v.getFloat32(o, le),
  f8: (v, o, le) => v.getFloat64(o, le),
  i1: (v, o) => v.getInt8(o),
  i2: (v, o, le) => v.getInt16(o, le),
  i4: (v, o, le) => v.getInt32(o, le),
  i8: (v, o, le) => Number(v.getBigInt64(o, le)),
  u1: (v, o) => v.getUint8(o),
  u2: (v, o, le) => v.getUint16(o, le),
  u4: (v, o, le) => v.getUint32(o, le),
  u8: (v, o, le) => Number(v.getBigUint64(o, le)),
  b1: (v, o) => (v.getUint8(o) ? 1 : 0),
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function bad(code: NpyErrorCode, what: string, message: string): NpyError {
  return new NpyError(code, `${what} is not a readable .npy file: ${message}`);
}

/** The header's Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 28, 28), }. */
function parseHeader(header: string, what: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad('BAD_HEADER', what, `its header has no descr, fortran_order or shape (${header.trim().slice(0, 120)}).`);
  }
  const shape = shapeText
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((d) => Number(d.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad('BAD_HEADER', what, `its shape (${shapeText}) is not a tuple of sizes.`);
  return { descr, fortran: fortran === 'True', shape };
}

/** Fortran (column-major) order to C order. */
function toCOrder(values: Float32Array, shape: readonly number[]): Float32Array {
  if (shape.length < 2) return values;
  const out = new Float32Array(values.length);
  const rank = shape.length;
  const fortranStrides = new Array<number>(rank);
  let stride = 1;
  for (let d = 0; d < rank; d++) {
    fortranStrides[d] = stride;
    stride *= shape[d]!;
  }
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let source = 0;
    for (let d = 0; d < rank; d++) source += index[d]! * fortranStrides[d]!;
    out[i] = values[source]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Whether `bytes` start with the `.npy` magic (`\x93NUMPY`): enough to tell a `.npy` from an image by its first 6 bytes. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** What a `.npy` header says: how to read the values that follow it. */
export interface NpyHeader {
  readonly dtype: string;
  readonly fortran: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the first value. */
  readonly dataStart: number;
  /** Bytes per value. */
  readonly itemSize: number;
  readonly littleEndian: boolean;
}

/** Bytes enough to know a header's length: magic, version and the length field. */
export const NPY_PREAMBLE = 12;

/** Where the data starts, from the first `NPY_PREAMBLE` bytes (or the whole file). */
export function npyDataStart(bytes: Uint8Array, what = 'The file'): number {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('NOT_NPY', what, 'it does not start with \\x93NUMPY.');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw bad('NOT_NPY', what, `format version ${major}.${bytes[7]} is not one of 1.0, 2.0, 3.0.`);
  if (major > 1 && bytes.length < 12) throw bad('TRUNCATED', what, 'the file ends inside its header.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return major === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
}

/** Parses the header at the start of `bytes` (which must hold at least the whole header). */
export function readNpyHeader(bytes: Uint8Array, what = 'The file'): NpyHeader {
  const dataStart = npyDataStart(bytes, what);
  if (dataStart > bytes.length) throw bad('TRUNCATED', what, 'the file ends inside its header.');
  const major = bytes[6];
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseHeader(header, what);
  const match = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!match || !READERS[`${match[2]}${match[3]}`]) {
    throw bad('UNSUPPORTED_DTYPE', what, `dtype '${descr}' is not supported; save float32 (np.float32), float64 or integers.`);
  }
  // '=' is native order, which NumPy writes as '<' on every platform that matters.
  return { dtype: descr, fortran, shape, dataStart, itemSize: Number(match[3]), littleEndian: match[1] !== '>' };
}

/** `count` values starting at byte `offset` of `bytes`, as float32, in file order. */
export function decodeNpyValues(bytes: Uint8Array, offset: number, count: number, header: NpyHeader): Float32Array {
  if (header.dtype === '<f4' && (bytes.byteOffset + offset) % 4 === 0) {
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
  }
  const reader = READERS[header.dtype.slice(1)]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = reader(view, offset + i * header.itemSize, header.littleEndian);
  return data;
}

/** Thrown when the file is shorter than its shape needs. */
export function checkNpyLength(header: NpyHeader, fileLength: number, what = 'The file'): void {
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (header.dataStart + count * header.itemSize > fileLength) {
    throw bad('TRUNCATED', what, `shape (${header.shape.join(', ')}) needs ${count * header.itemSize} bytes of data but the file has ${fileLength - header.dataStart}.`);
  }
}

/**
 * Reads a NumPy `.npy` file (format versions 1 to 3): floats, integers or booleans of any byte
 * order, C or Fortran order. Values come back as float32 in C order.
 */
export function readNpy(bytes: Uint8Array, what = 'The file'): NpyArray {
  const header = readNpyHeader(bytes, what);
  checkNpyLength(header, bytes.length, what);
  const count = header.shape.reduce((a, b) => a * b, 1);
  let data = decodeNpyValues(bytes, header.dataStart, count, header);
  if (header.fortran) data = toCOrder(data, header.shape);
  return { data, shape: [...header.shape], dtype: header.dtype };
}

/**
 * A float32, little-endian, C-order `.npy` (format 1.0) of the tensor, byte for byte what
 * `np.save` writes for the same float32 array. Throws a RangeError when the shape does not match
 * the number of values.
 */
export function writeNpy(tensor: NpyTensor): Uint8Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (size !== tensor.data.length) throw new RangeError(`The tensor has ${tensor.data.length} values but its shape [${tensor.shape.join(', ')}] needs ${size}.`);
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + tensor.data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < tensor.data.length; i++) view.setFloat32(i * 4, tensor.data[i]!, true);
  return out;
}
