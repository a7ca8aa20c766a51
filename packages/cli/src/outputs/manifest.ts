import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CliError } from '../cli-error.js';

/**
 * The file in an output folder that lists, relative to it, every file salience wrote there. Only
 * files it lists are ever replaced or removed by a later run; anything else is the user's.
 */
export const MANIFEST_FILE = '.salience-manifest.json';

export interface Manifest {
  readonly tool: 'salience';
  readonly command: string;
  /** Paths relative to the folder, with '/' separators. */
  readonly files: readonly string[];
}

/**
 * Every file under `dir`, relative to it with '/' separators; an empty folder is listed as
 * 'name/' (a user's empty folder is theirs too).
 */
export async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true });
    if (entries.length === 0 && folder !== dir) files.push(`${relative(dir, folder).split(sep).join('/')}/`);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  await walk(dir);
  return files.sort();
}

/** The files a manifest in `dir` lists; undefined when there is none (or it is not salience's). */
export async function readManifest(dir: string): Promise<Set<string> | undefined> {
  let parsed: Partial<Manifest>;
  try {
    parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
  } catch {
    return undefined;
  }
  if (parsed?.tool !== 'salience' || !Array.isArray(parsed.files)) return undefined;
  // A listed path that leaves the folder is never ours to touch.
  return new Set(parsed.files.filter((f): f is string => typeof f === 'string' && f !== '' && !f.split('/').some((p) => p === '..' || p === '') && !f.startsWith('/')));
}

export function manifestText(command: string, files: readonly string[]): string {
  const manifest: Manifest = { tool: 'salience', command, files: [...files].filter((f) => f !== MANIFEST_FILE).sort() };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** What is in an existing output folder: files salience listed as its own, and the others. */
export interface FolderOwnership {
  readonly exists: boolean;
  /** Listed by the folder's manifest (and present). */
  readonly ours: readonly string[];
  /** Everything else, the manifest aside: never removed or replaced. */
  readonly foreign: readonly string[];
}

/** Who owns what in `out`; `alsoOurs` says which other entries are salience's by construction (an audit's state folder). */
export async function folderOwnership(out: string, flag: string, alsoOurs: (file: string) => boolean = () => false): Promise<FolderOwnership> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(out);
  } catch {
    return { exists: false, ours: [], foreign: [] };
  }
  if (!info.isDirectory()) throw new CliError('output', `${flag} ${out} is a file; give a folder path.`);
  const listed = (await readManifest(out)) ?? new Set<string>();
  let files: string[];
  try {
    files = await listFiles(out);
  } catch (error) {
    throw new CliError('output', `Cannot read the output folder ${out}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const ours: string[] = [];
  const foreign: string[] = [];
  for (const file of files) {
    if (file === MANIFEST_FILE) continue;
    (listed.has(file) || alsoOurs(file) ? ours : foreign).push(file);
  }
  return { exists: true, ours, foreign };
}

/** A short list of file names for messages. */
export function someFiles(files: readonly string[], most = 3): string {
  const shown = files.slice(0, most).join(', ');
  return files.length > most ? `${shown} and ${files.length - most} more` : shown;
}
