import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CliError } from '../cli-error.js';
import { readNpy } from './npy.js';

/** An example as a truth file may name it. */
export interface TruthKey {
  /** Path relative to the folder it was found in, with '/' separators (or the file name, or `x[3]` for a .npy row). */
  readonly key: string;
  /** The path as given on the command line, normalised, as a second way to name it. */
  readonly path: string;
}

/** A label as written: a class index, or a class name. */
function looseName(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * The class a name or index stands for: an index as is, else a name from --labels, compared
 * without case, then ignoring punctuation and spaces (a folder `t-shirt-top` is `T-shirt/top`).
 * Undefined when it is neither.
 */
export function classIndexOf(text: string, classNames: readonly string[] | undefined): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!classNames) return undefined;
  const exact = classNames.findIndex((n) => n.toLowerCase() === trimmed.toLowerCase());
  if (exact >= 0) return exact;
  const loose = looseName(trimmed);
  if (loose === '') return undefined;
  const found = classNames.findIndex((n) => looseName(n) === loose);
  return found >= 0 ? found : undefined;
}

function truthError(path: string, message: string): CliError {
  return new CliError('inputFile', `The truth file ${path} does not fit the data: ${message}`);
}

function parseLabel(text: string, classNames: readonly string[] | undefined, path: string, where: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const index = classIndexOf(trimmed, classNames);
  if (index !== undefined) return index;
  const known = classNames ? `the class names of --labels are ${classNames.join(', ')}` : 'class names need --labels (or give class indices)';
  throw truthError(path, `${where} has the label '${trimmed}', which is neither a class index nor a class name; ${known}.`);
}

/** RFC 4180 fields: commas, quotes doubled inside quoted fields; CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

function normalisedPath(text: string): string {
  return text
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '');
}

/** Which example each truth row names: by path relative to its folder, then as given, then by file name if unique. */
function exampleFinder(examples: readonly TruthKey[]): (file: string) => number[] {
  const byKey = new Map<string, number[]>();
  const byPath = new Map<string, number[]>();
  const byName = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  examples.forEach((e, i) => {
    add(byKey, e.key, i);
    add(byPath, normalisedPath(e.path), i);
    add(byName, basename(e.key), i);
  });
  return (file) => {
    const wanted = normalisedPath(file);
    return byKey.get(wanted) ?? byPath.get(wanted) ?? byName.get(wanted) ?? [];
  };
}

function fromCsv(text: string, path: string, examples: readonly TruthKey[], classNames: readonly string[] | undefined, note: (message: string) => void): (number | null)[] {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  if (rows.length === 0) throw truthError(path, 'it is empty.');
  const header = rows[0]!.map((h) => h.trim().toLowerCase());
  const fileColumn = header.indexOf('file');
  const labelColumn = header.indexOf('label');
  if (fileColumn < 0 || labelColumn < 0) {
    throw truthError(path, `a .csv truth file needs a header with the columns 'file' and 'label'; its header is '${rows[0]!.join(',')}'.`);
  }
  const find = exampleFinder(examples);
  const labels: (number | null)[] = new Array(examples.length).fill(null);
  const seen = new Set<number>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const where = `line ${r + 1}`;
    const file = row[fileColumn] ?? '';
    const found = find(file);
    if (found.length === 0) throw truthError(path, `${where} names '${file}', which is not one of the examples (give its path relative to the data folder).`);
    if (found.length > 1) throw truthError(path, `${where} names '${file}', which fits ${found.length} examples; give its path relative to the data folder.`);
    if (seen.has(found[0]!)) throw truthError(path, `${where} names '${file}' a second time.`);
    seen.add(found[0]!);
    labels[found[0]!] = parseLabel(row[labelColumn] ?? '', classNames, path, where);
  }
  const missing = examples.length - seen.size;
  if (missing > 0) note(`${missing} of ${examples.length} examples have no row in ${path}; they count as unlabelled.`);
  return labels;
}

function fromList(values: readonly (number | null)[], path: string, count: number): (number | null)[] {
  if (values.length !== count) throw truthError(path, `it has ${values.length} labels for ${count} examples (one per example, in order).`);
  return [...values];
}

/**
 * Reads the true classes of a dataset's examples, in example order (null: unlabelled):
 * - `.csv` with a header naming `file` and `label` columns (label: index or class name; empty: unlabelled);
 * - `.txt`: one label per line in example order (index or class name; empty line: unlabelled);
 * - `.npy` or `.json`: an array of class indices in example order (-1 or null: unlabelled).
 * A file that does not fit the examples is an input-file error (exit 3).
 */
export async function readTruth(
  path: string,
  examples: readonly TruthKey[],
  classNames: readonly string[] | undefined,
  note: (message: string) => void = () => {},
): Promise<(number | null)[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError('inputFile', `Cannot read the truth file ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`);
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.npy') {
    const array = readNpy(bytes, path);
    if (array.shape.length !== 1) throw truthError(path, `a .npy truth file holds one class index per example (shape (N,)); it has shape (${array.shape.join(', ')}).`);
    const values = Array.from(array.data, (v, i) => {
      if (v === -1) return null;
      if (!(Number.isInteger(v) && v >= 0)) throw truthError(path, `value ${i} is ${v}, not a class index (or -1 for unlabelled).`);
      return v;
    });
    return fromList(values, path, examples.length);
  }
  const text = new TextDecoder().decode(bytes);
  if (extension === '.json') {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (error) {
      throw new CliError('inputFile', `The truth file ${path} is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(list)) throw truthError(path, 'a .json truth file holds an array of class indices, one per example.');
    const values = list.map((v, i) => {
      if (v === null || v === -1) return null;
      if (typeof v === 'string') return parseLabel(v, classNames, path, `entry ${i}`);
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw truthError(path, `entry ${i} is ${JSON.stringify(v)}, not a class index (or null for unlabelled).`);
      return v;
    });
    return fromList(values, path, examples.length);
  }
  if (extension === '.csv') return fromCsv(text, path, examples, classNames, note);
  if (extension === '.txt' || extension === '') {
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    return fromList(
      lines.map((line, i) => parseLabel(line, classNames, path, `line ${i + 1}`)),
      path,
      examples.length,
    );
  }
  throw new CliError('inputFile', `The truth file ${path} is not .csv, .txt, .npy or .json.`);
}

/** Labels that the model cannot have: an input-file error naming the truth file. */
export function checkLabelRange(labels: readonly (number | null)[], classes: number, source: string, names: readonly string[]): void {
  const bad = labels.findIndex((l) => l !== null && l >= classes);
  if (bad >= 0) throw new CliError('inputFile', `${source} gives ${names[bad]} the class ${labels[bad]}, but the model has classes 0..${classes - 1}.`);
}
