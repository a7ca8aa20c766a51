import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { CliError } from '../cli-error.js';

/** One text to explain, with its true class when the file gives one. */
export interface TextExample {
  readonly text: string;
  /** A class name or index as written in the file. */
  readonly label?: string;
  /** Where it came from, for messages: `--text #1`, `reviews.jsonl:3`. */
  readonly source: string;
}

/** CSV fields of one record; quotes as RFC 4180 ("" inside quotes is one "). Returns the records. */
export function parseCsv(content: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (quoted) {
      if (c === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && content[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  return records;
}

/** One line of a .jsonl file: `{"text": ..., "label": ...}`; undefined for a blank line. */
function jsonlExample(line: string, path: string, lineNumber: number): TextExample | undefined {
  if (line.trim() === '') return undefined;
  const bad = (why: string) => new CliError('inputFile', `--texts ${path}:${lineNumber}: ${why}`);
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    throw bad(`not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  const record = row as { text?: unknown; label?: unknown };
  if (typeof row !== 'object' || row === null || typeof record.text !== 'string') throw bad('each line needs a "text" string, e.g. {"text": "a fine film", "label": "positive"}.');
  if (record.text.trim() === '') throw new CliError('inputFile', `${path}:${lineNumber}: the text is empty.`);
  return { text: record.text, ...(record.label !== undefined && record.label !== null ? { label: String(record.label) } : {}), source: `${path}:${lineNumber}` };
}

/**
 * The texts of a file one at a time, in order, for datasets too large to hold: `.jsonl` and `.txt`
 * are read line by line (memory bounded by the longest line); a `.csv` (whose quoted fields may
 * span lines) is read whole by `readTextsFile`.
 */
export async function* streamTextsFile(path: string): AsyncGenerator<TextExample> {
  const kind = extname(path).toLowerCase();
  if (kind !== '.jsonl' && kind !== '.ndjson' && kind !== '.txt' && kind !== '') {
    yield* await readTextsFile(path);
    return;
  }
  let stream: ReturnType<typeof createReadStream>;
  try {
    await access(path);
    stream = createReadStream(path, { encoding: 'utf8' });
  } catch (error) {
    throw new CliError('inputFile', `Cannot read --texts ${path}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  let count = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      const example = kind === '.txt' || kind === '' ? (line.trim() === '' ? undefined : { text: line, source: `${path}:${lineNumber}` }) : jsonlExample(line, path, lineNumber);
      if (!example) continue;
      count++;
      yield example;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (count === 0) throw new CliError('inputFile', `--texts ${path}: no texts.`);
}

/**
 * Texts from a file: `.txt` one text per line (empty lines skipped), `.jsonl` one JSON object per
 * line with a `text` field and an optional `label`, `.csv` with a header row naming a `text`
 * column (and optionally `label`; a single-column file needs no header name).
 */
export async function readTextsFile(path: string): Promise<TextExample[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('inputFile', `Cannot read --texts ${path}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const kind = extname(path).toLowerCase();
  const bad = (where: string, why: string) => new CliError('inputFile', `--texts ${path}${where}: ${why}`);
  let out: TextExample[];
  if (kind === '.jsonl' || kind === '.ndjson') {
    out = [];
    content.split(/\r?\n/).forEach((line, i) => {
      const example = jsonlExample(line, path, i + 1);
      if (example) out.push(example);
    });
  } else if (kind === '.csv') {
    let records: string[][];
    try {
      records = parseCsv(content);
    } catch (error) {
      throw bad('', `${error instanceof Error ? error.message : String(error)}.`);
    }
    if (records.length === 0) throw bad('', 'no rows.');
    const header = records[0]!.map((h) => h.trim().toLowerCase());
    let textColumn = header.indexOf('text');
    const labelColumn = header.indexOf('label');
    let body = records.slice(1);
    if (textColumn < 0) {
      if (header.length !== 1) throw bad('', `the header needs a "text" column (it has: ${records[0]!.join(', ')}).`);
      textColumn = 0; // one column, no header: every row is a text
      body = records;
    }
    out = body.map((r, i) => ({ text: r[textColumn] ?? '', ...(labelColumn >= 0 && r[labelColumn] ? { label: r[labelColumn] } : {}), source: `${path}:${i + 2}` }));
  } else if (kind === '.txt' || kind === '') {
    out = content
      .split(/\r?\n/)
      .map((text, i) => ({ text, source: `${path}:${i + 1}` }))
      .filter((t) => t.text.trim() !== '');
  } else {
    throw bad('', 'use .txt (one text per line), .jsonl (a "text" field per line) or .csv (a "text" column).');
  }
  const empty = out.find((t) => t.text.trim() === '');
  if (empty) throw new CliError('inputFile', `${empty.source}: the text is empty.`);
  if (out.length === 0) throw bad('', 'no texts.');
  return out;
}
