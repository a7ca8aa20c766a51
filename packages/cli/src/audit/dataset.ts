import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { concatRows, sameShape, type TensorData } from '@salience/core';
import type { RgbaImage } from '@salience/render';
import { CliError } from '../cli-error.js';
import { firstNonFinite, positionOf } from '../inputs/finite.js';
import { decodeImage, sniffImageFormat } from '../inputs/image-decoding.js';
import { type NpyRows, openNpyRows } from '../inputs/npy-rows.js';
import { classIndexOf, readTruth } from '../inputs/truth-file.js';

/** One example of an audit dataset, listed before any is loaded. */
export interface DatasetExample {
  readonly name: string;
  /** The file it comes from. */
  readonly file: string;
  /** Its path relative to the folder it was found in ('/' separators), the file name, or `x[3]` for a .npy row. */
  readonly key: string;
  readonly label: number | null;
}

/** Where the labels of a dataset came from. */
export type LabelSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'truth'; readonly file: string }
  | { readonly kind: 'folders'; readonly match: 'class names' | 'class indices' | 'sorted folder names'; readonly folders: readonly string[] };

interface ImageSource {
  readonly kind: 'images';
}

interface TensorSource {
  readonly kind: 'tensor';
  /** The .npy files, with the index of each one's first example. */
  readonly parts: readonly { readonly rows: NpyRows; readonly first: number }[];
}

/** A dataset listed for an audit: its examples and labels, loaded a chunk at a time by `loadChunk`. */
export interface Dataset {
  readonly name: string;
  readonly paths: readonly string[];
  readonly kind: 'images' | 'tensor';
  readonly examples: readonly DatasetExample[];
  readonly labels: LabelSource;
  /** Class names found in the folder names (ImageFolder style without --labels). */
  readonly folderClassNames?: readonly string[];
  readonly source: ImageSource | TensorSource;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function slashed(path: string): string {
  return path.split(sep).join('/');
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    throw new CliError('inputFile', `Cannot read the data ${path}: it does not exist.`);
  }
}

async function visibleEntries(folder: string) {
  return (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
}

/** Every image below `folder`, in name order, folder by folder. */
async function imagesBelow(folder: string): Promise<string[]> {
  const entries = (await visibleEntries(folder)).sort((a, b) => byName(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await imagesBelow(path)));
    else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

async function firstBytes(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new CliError('inputFile', `Cannot read the data ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`);
  });
  try {
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

interface Listed {
  readonly file: string;
  readonly key: string;
  readonly folderClass?: string;
}

/** A folder: its images, or (when it has none at its top) its subfolders as classes, ImageFolder style. */
async function listFolder(folder: string): Promise<{ files: Listed[]; classFolders?: string[] }> {
  const entries = await visibleEntries(folder);
  const images = entries.filter((e) => !e.isDirectory() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())).map((e) => e.name);
  if (images.length > 0) {
    return { files: images.sort(byName).map((name) => ({ file: join(folder, name), key: name })) };
  }
  const files: Listed[] = [];
  const classFolders: string[] = [];
  for (const sub of entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(byName)) {
    const below = await imagesBelow(join(folder, sub));
    if (below.length === 0) continue;
    classFolders.push(sub);
    files.push(...below.map((file) => ({ file, key: slashed(relative(folder, file)), folderClass: sub })));
  }
  if (files.length === 0) throw new CliError('inputFile', `The folder ${folder} holds no PNG or JPEG image, nor subfolders of them (one per class).`);
  return { files, classFolders };
}

/** Folder names to class indices: names from --labels, else all-integer names, else sorted order (as torchvision's ImageFolder). */
function folderLabels(
  folders: readonly string[],
  classNames: readonly string[] | undefined,
  where: string,
): { index: Map<string, number>; match: 'class names' | 'class indices' | 'sorted folder names'; names?: string[] } {
  if (classNames) {
    const index = new Map<string, number>();
    for (const folder of folders) {
      const found = classIndexOf(folder, classNames);
      if (found === undefined) {
        throw new CliError(
          'inputFile',
          `The class folder ${join(where, folder)} is not a class of --labels (${classNames.join(', ')}) nor a class index; rename it or give --truth.`,
        );
      }
      index.set(folder, found);
    }
    return { index, match: 'class names' };
  }
  if (folders.every((f) => /^\d+$/.test(f))) return { index: new Map(folders.map((f) => [f, Number(f)])), match: 'class indices' };
  const sorted = [...folders].sort();
  return { index: new Map(sorted.map((f, i) => [f, i])), match: 'sorted folder names', names: sorted };
}

export interface ListDatasetOptions {
  /** A truth file (.csv, .txt, .npy, .json); it wins over class folders. */
  readonly truth?: string;
  readonly classNames?: readonly string[];
  readonly note?: (message: string) => void;
}

/**
 * Lists a dataset without loading it: PNG/JPEG files, flat folders of them, ImageFolder-style
 * folders (one subfolder per class), or .npy tensors (batch first; only their headers are read).
 */
export async function listDataset(name: string, paths: readonly string[], options: ListDatasetOptions = {}): Promise<Dataset> {
  const note = options.note ?? (() => {});
  const listed: Listed[] = [];
  const npyFiles: string[] = [];
  const classFolders: { folder: string; names: string[] }[] = [];
  for (const path of paths) {
    if (await isFolder(path)) {
      const { files, classFolders: folders } = await listFolder(path);
      listed.push(...files);
      if (folders) classFolders.push({ folder: path, names: folders });
      continue;
    }
    if (extname(path).toLowerCase() === '.npy') {
      npyFiles.push(path);
      continue;
    }
    const head = await firstBytes(path, 8);
    if (head.length >= 6 && head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY') npyFiles.push(path);
    else if (sniffImageFormat(head) || IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) listed.push({ file: path, key: basename(path) });
    else throw new CliError('inputFile', `${path} is not a PNG, JPEG or .npy file.`);
  }
  if (npyFiles.length > 0 && listed.length > 0) throw new CliError('usage', `Give either images (PNG/JPEG) or .npy tensors as the ${name} data, not both.`);
  if (listed.length === 0 && npyFiles.length === 0) throw new CliError('usage', `The ${name} data is empty.`);

  let examples: { name: string; file: string; key: string; folderClass?: string }[];
  let source: ImageSource | TensorSource;
  if (npyFiles.length > 0) {
    const parts: { rows: NpyRows; first: number }[] = [];
    examples = [];
    for (const file of npyFiles) {
      const rows = await openNpyRows(file);
      if (parts.length > 0 && !sameShape(rows.shape.slice(1), parts[0]!.rows.shape.slice(1))) {
        throw new CliError(
          'inputFile',
          `The .npy files of the ${name} data have different example shapes: [${parts[0]!.rows.shape.slice(1).join(', ')}] and [${rows.shape.slice(1).join(', ')}].`,
        );
      }
      if (rows.wholeFile) note(`${file} is in Fortran order, which keeps an example's values apart: it is read whole, not a chunk at a time.`);
      parts.push({ rows, first: examples.length });
      const stem = basename(file, extname(file));
      for (let i = 0; i < rows.shape[0]!; i++) examples.push({ name: `${stem}[${i}]`, file, key: `${stem}[${i}]` });
    }
    source = { kind: 'tensor', parts };
  } else {
    examples = listed.map((l) => ({ name: basename(l.key, extname(l.key)), file: l.file, key: l.key, folderClass: l.folderClass }));
    source = { kind: 'images' };
  }

  let labels: (number | null)[] = examples.map(() => null);
  let labelSource: LabelSource = { kind: 'none' };
  let folderClassNames: string[] | undefined;
  const inFolders = examples.some((e) => e.folderClass !== undefined);
  if (options.truth !== undefined) {
    labels = await readTruth(
      options.truth,
      examples.map((e) => ({ key: e.key, path: e.file })),
      options.classNames,
      note,
    );
    labelSource = { kind: 'truth', file: options.truth };
    if (inFolders) note(`The ${name} data has class folders, and --truth ${options.truth} gives the labels instead.`);
  } else if (inFolders) {
    const all = [...new Set(classFolders.flatMap((c) => c.names))];
    const { index, match, names } = folderLabels(all, options.classNames, classFolders.length === 1 ? classFolders[0]!.folder : '');
    labels = examples.map((e) => (e.folderClass === undefined ? null : (index.get(e.folderClass) ?? null)));
    labelSource = { kind: 'folders', match, folders: all };
    folderClassNames = names;
  }
  return {
    name,
    paths,
    kind: source.kind,
    examples: examples.map((e, i) => ({ name: e.name, file: e.file, key: e.key, label: labels[i]! })),
    labels: labelSource,
    ...(folderClassNames ? { folderClassNames } : {}),
    source,
  };
}

/** The examples start..end of a dataset: decoded images, or the rows of its .npy files. */
export type Chunk = { readonly kind: 'images'; readonly images: RgbaImage[] } | { readonly kind: 'tensor'; readonly tensor: TensorData };

/** `maxPixels` caps each image's size, checked from its header before decoding. */
export async function loadChunk(dataset: Dataset, start: number, end: number, maxPixels?: number): Promise<Chunk> {
  const { source } = dataset;
  if (source.kind === 'images') {
    const images: RgbaImage[] = [];
    for (const example of dataset.examples.slice(start, end)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(example.file);
      } catch (error) {
        throw new CliError(
          'inputFile',
          `Cannot read the input ${example.file}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist (was it moved during the audit?)' : String(error)}.`,
        );
      }
      images.push(decodeImage(bytes, example.file, maxPixels));
    }
    return { kind: 'images', images };
  }
  const pieces: TensorData[] = [];
  for (const { rows, first } of source.parts) {
    const from = Math.max(start, first);
    const to = Math.min(end, first + rows.shape[0]!);
    if (from >= to) continue;
    const piece = await rows.readRows(from - first, to - first);
    // Positions are given in the file's rows.
    const bad = firstNonFinite(piece.data);
    if (bad >= 0) {
      const [row, ...rest] = positionOf(bad, piece.shape) as [number, ...number[]];
      throw new CliError(
        'inputFile',
        `${rows.path} holds ${piece.data[bad]} at [${[row + from - first, ...rest].join(', ')}]; inputs must be finite numbers. Fix or drop that example.`,
      );
    }
    pieces.push(piece);
  }
  return { kind: 'tensor', tensor: (pieces.length === 1 ? pieces[0] : concatRows(pieces))! };
}
