import { open } from 'node:fs/promises';
import type { TensorData } from '@salience/core';
import { CliError } from '../cli-error.js';
import { checkNpyLength, decodeNpyValues, NPY_PREAMBLE, type NpyHeader, npyDataStart, readNpy, readNpyHeader } from './npy.js';

/**
 * A `.npy` file read a few rows (examples) at a time: only the header is read up front, and each
 * `readRows` reads just its rows' bytes, so a dataset larger than memory can be audited in chunks.
 * Fortran-order files keep an example's values apart, so they are read whole once (`wholeFile`).
 */
export interface NpyRows {
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** True for a Fortran-order file, which is read whole on the first `readRows`. */
  readonly wholeFile: boolean;
  /** Data bytes read from the file so far (not counting the header). */
  readonly bytesRead: number;
  readRows(start: number, end: number): Promise<TensorData>;
}

function unreadable(path: string, error: unknown): CliError {
  const code = (error as { code?: string }).code;
  const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : error instanceof Error ? error.message : String(error);
  return new CliError('inputFile', `Cannot read the input ${path}: ${reason}.`, { cause: error });
}

async function readAt(path: string, position: number, length: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** Reads the header of a `.npy` file and returns a reader of its rows. */
export async function openNpyRows(path: string): Promise<NpyRows> {
  let handle: Awaited<ReturnType<typeof open>>;
  let header: NpyHeader;
  let size: number;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    size = (await handle.stat()).size;
    const preamble = new Uint8Array(Math.min(size, NPY_PREAMBLE));
    await handle.read(preamble, 0, preamble.length, 0);
    const dataStart = npyDataStart(preamble, path);
    const bytes = new Uint8Array(Math.min(size, dataStart));
    await handle.read(bytes, 0, bytes.length, 0);
    header = readNpyHeader(bytes, path);
  } finally {
    await handle.close();
  }
  checkNpyLength(header, size, path);
  const { shape } = header;
  if (shape.length < 2) throw new CliError('inputFile', `${path} holds an array of shape (${shape.join(', ')}); inputs are batch first, e.g. [N, 1, 28, 28].`);
  if (shape[0] === 0) throw new CliError('inputFile', `${path} holds no examples (its batch dimension is 0).`);
  const rowValues = shape.slice(1).reduce((a, b) => a * b, 1);
  let whole: TensorData | undefined;
  const reader = {
    path,
    shape,
    dtype: header.dtype,
    wholeFile: header.fortran,
    bytesRead: 0,
    async readRows(start: number, end: number): Promise<TensorData> {
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= shape[0]! && start < end)) {
        throw new RangeError(`Rows ${start}..${end} are not within the ${shape[0]} rows of ${path}.`);
      }
      if (header.fortran) {
        if (!whole) {
          const bytes = await readAt(path, 0, size);
          reader.bytesRead += bytes.length - header.dataStart;
          whole = readNpy(bytes, path);
        }
        return { data: whole.data.slice(start * rowValues, end * rowValues), shape: [end - start, ...shape.slice(1)] };
      }
      const count = (end - start) * rowValues;
      const bytes = await readAt(path, header.dataStart + start * rowValues * header.itemSize, count * header.itemSize);
      if (bytes.length < count * header.itemSize) throw new CliError('inputFile', `${path} ended early: it was shortened while being read.`);
      reader.bytesRead += bytes.length;
      return { data: decodeNpyValues(bytes, 0, count, header), shape: [end - start, ...shape.slice(1)] };
    },
  };
  return reader;
}
