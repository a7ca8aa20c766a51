import * as npy from '@salience/npy';
import { CliError } from '../cli-error.js';

export type { NpyArray, NpyHeader } from '@salience/npy';
export { decodeNpyValues, NPY_PREAMBLE, writeNpy } from '@salience/npy';

/** The same reader, its `NpyError`s turned into the command's input-file errors (exit status 3), message unchanged. */
function asInputFileErrors<A extends unknown[], R>(read: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return read(...args);
    } catch (error) {
      if (error instanceof npy.NpyError) throw new CliError('inputFile', error.message, { cause: error });
      throw error;
    }
  };
}

/** `.npy` reading (@salience/npy) for the command: a file that cannot be read is an input-file error. */
export const readNpy = asInputFileErrors(npy.readNpy);
export const readNpyHeader = asInputFileErrors(npy.readNpyHeader);
export const npyDataStart = asInputFileErrors(npy.npyDataStart);
export const checkNpyLength = asInputFileErrors(npy.checkNpyLength);
