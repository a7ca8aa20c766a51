import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { concatRows, sameShape, type TensorData } from '@salience/core';
import type { RgbaImage } from '@salience/render';
import { CliError } from '../cli-error.js';
import { checkFiniteInput } from './finite.js';
import { decodeImage, sniffImageFormat } from './image-decoding.js';
import { readNpy } from './npy.js';

/** One example of the input batch. */
export interface InputExample {
  /** Display name: the file's name without extension, with `[i]` for rows of a .npy. */
  readonly name: string;
  /** The file it came from. */
  readonly file: string;
  /** The true class, when known (the built-in samples). */
  readonly label?: number;
}

/** Images, decoded but not yet preprocessed (that needs the model's input size). */
export interface ImageInputs {
  readonly kind: 'images';
  readonly images: readonly RgbaImage[];
  readonly examples: readonly InputExample[];
}

/** A raw tensor, batch first, fed to the model as it is. */
export interface TensorInputs {
  readonly kind: 'tensor';
  readonly tensor: TensorData;
  readonly examples: readonly InputExample[];
}

export type Inputs = ImageInputs | TensorInputs;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : error instanceof Error ? error.message : String(error);
    throw new CliError('inputFile', `Cannot read the input ${path}: ${reason}.`, { cause: error });
  }
}

/** Files named by --input: files as given, folders as their images in name order. */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isFolder = false;
    try {
      isFolder = (await stat(path)).isDirectory();
    } catch {
      throw new CliError('inputFile', `Cannot read the input ${path}: it does not exist.`);
    }
    if (!isFolder) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith('.'));
    if (names.length === 0) throw new CliError('inputFile', `The folder ${path} holds no PNG or JPEG image.`);
    names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

function stem(path: string): string {
  return basename(path, extname(path));
}

function isNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads --input: PNG/JPEG files and folders of them, or .npy tensors (batch first, several
 * files concatenated on the batch axis). Images and tensors cannot be mixed.
 */
export async function readInputs(paths: readonly string[], labels?: readonly (number | undefined)[], options: { readonly maxPixels?: number } = {}): Promise<Inputs> {
  const files = await expandPaths(paths);
  const tensors: TensorData[] = [];
  const images: RgbaImage[] = [];
  const examples: InputExample[] = [];
  for (const file of files) {
    const bytes = await readInputFile(file);
    if (isNpy(bytes)) {
      const array = readNpy(bytes, file);
      if (array.shape.length < 2) {
        throw new CliError('inputFile', `${file} holds an array of shape (${array.shape.join(', ')}); inputs are batch first, e.g. [N, 1, 28, 28].`);
      }
      if (array.shape[0] === 0) throw new CliError('inputFile', `${file} holds no examples (its batch dimension is 0).`);
      checkFiniteInput(array, file);
      tensors.push(array);
      for (let i = 0; i < array.shape[0]!; i++) examples.push({ name: `${stem(file)}[${i}]`, file });
    } else if (sniffImageFormat(bytes)) {
      images.push(decodeImage(bytes, file, options.maxPixels));
      examples.push({ name: stem(file), file, label: labels?.[examples.length] });
    } else {
      throw new CliError('inputFile', `${file} is not a PNG, JPEG or .npy file.`);
    }
  }
  if (tensors.length > 0 && images.length > 0) {
    throw new CliError('usage', 'Give either images (PNG/JPEG) or .npy tensors as --input, not both.');
  }
  if (tensors.length > 0) {
    const tail = tensors[0]!.shape.slice(1);
    const odd = tensors.findIndex((t) => !sameShape(t.shape.slice(1), tail));
    if (odd >= 0) {
      throw new CliError('inputFile', `The .npy inputs have different example shapes: [${tail.join(', ')}] and [${tensors[odd]!.shape.slice(1).join(', ')}].`);
    }
    return { kind: 'tensor', tensor: concatRows(tensors), examples };
  }
  return { kind: 'images', images, examples };
}
