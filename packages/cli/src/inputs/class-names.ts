import { readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';

/**
 * Reads a --labels file: one class name per line, or a JSON array. Blank lines inside keep their
 * index (a class without a name); trailing ones are dropped.
 */
export async function readClassNames(path: string | undefined): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('inputFile', `Cannot read --labels ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`);
  }
  if (text.trimStart().startsWith('[')) {
    try {
      const list = JSON.parse(text) as unknown;
      if (Array.isArray(list)) return list.map(String);
    } catch {
      // Not JSON after all: read it as lines.
    }
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
