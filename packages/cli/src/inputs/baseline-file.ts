import { readFile } from 'node:fs/promises';
import type { TensorData } from '@salience/core';
import { CliError } from '../cli-error.js';
import { checkFiniteInput } from './finite.js';
import { readNpy } from './npy.js';

/** Reads a --baseline .npy: one baseline per example, or one shared ([1, ...] or without batch). */
export async function readBaselineFile(path: string): Promise<TensorData> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError('inputFile', `Cannot read --baseline ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`);
  }
  const baseline = readNpy(bytes, `--baseline ${path}`);
  checkFiniteInput(baseline, `--baseline ${path}`);
  return baseline;
}
