import { readFile } from 'node:fs/promises';

let cached: string | undefined;

/** This package's version, from its package.json (beside `src/` and `dist/`). */
export async function packageVersion(): Promise<string> {
  cached ??= (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
