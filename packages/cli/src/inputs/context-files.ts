import { readFile } from 'node:fs/promises';
import type { TensorData } from '@salience/core';
import { CliError } from '../cli-error.js';
import { checkFiniteInput } from './finite.js';
import { readNpy } from './npy.js';

/**
 * Reads `--context name=FILE.npy`: the model's other inputs (an attention mask...), one row per
 * example, passed to every method's `context` option and never perturbed.
 */
export async function readContextFiles(files: Readonly<Record<string, string>> | undefined, examples: number): Promise<Record<string, TensorData> | undefined> {
  if (files === undefined || Object.keys(files).length === 0) return undefined;
  const context: Record<string, TensorData> = {};
  for (const [name, path] of Object.entries(files)) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new CliError('inputFile', `Cannot read --context ${name}=${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`, {
        cause: error,
      });
    }
    const what = `--context ${name}=${path}`;
    const tensor = readNpy(bytes, what);
    checkFiniteInput(tensor, what);
    if (tensor.shape.length < 1 || tensor.shape[0] !== examples) {
      throw new CliError('inputFile', `${what} has shape [${tensor.shape.join(', ')}]; it needs one row per example (${examples}), batch first like --input.`);
    }
    context[name] = { data: tensor.data, shape: tensor.shape };
  }
  return context;
}
