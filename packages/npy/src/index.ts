/**
 * @packageDocumentation
 * NumPy `.npy` files from and to bytes (`Uint8Array`), with no file system and no dependencies, so
 * the same code reads a user's arrays in the browser, in the CLI and in the audit. Reading takes
 * format versions 1 to 3, floats, integers and booleans of either byte order, C or Fortran order,
 * and gives float32 in C order; writing gives float32 C order, as `np.save` does.
 */

export type { NpyErrorCode } from './errors.js';
export { NpyError } from './errors.js';
export type { NpyArray, NpyHeader, NpyTensor } from './npy.js';
export { checkNpyLength, decodeNpyValues, isNpy, NPY_PREAMBLE, npyDataStart, readNpy, readNpyHeader, writeNpy } from './npy.js';
