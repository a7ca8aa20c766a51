/**
 * Why bytes could not be read as `.npy`. `NOT_NPY`: no `\x93NUMPY` magic or an unknown format
 * version; `BAD_HEADER`: the header dict lacks a field or its shape is not a tuple of sizes;
 * `UNSUPPORTED_DTYPE`: not a float, integer or boolean; `TRUNCATED`: the bytes end before the
 * header or the data does.
 */
export type NpyErrorCode = 'NOT_NPY' | 'BAD_HEADER' | 'UNSUPPORTED_DTYPE' | 'TRUNCATED';

/**
 * Bytes that are not a readable `.npy` file. The message names the file (the `what` argument of
 * the reader) and says what to do; callers branch on `code`, never on the message.
 */
export class NpyError extends Error {
  readonly code: NpyErrorCode;

  constructor(code: NpyErrorCode, message: string) {
    super(message);
    this.name = 'NpyError';
    this.code = code;
  }
}
