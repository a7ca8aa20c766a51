import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Dataset } from './dataset.js';

/** A file as an audit's resume key sees it: changes to its size or time mean the numbers may change. */
export interface FileIdentity {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

async function identity(file: string): Promise<FileIdentity | undefined> {
  try {
    const info = await stat(file);
    return { file: resolve(file), size: info.size, mtimeMs: Math.round(info.mtimeMs) };
  } catch {
    return undefined;
  }
}

/**
 * The files of a model: an .onnx file; a tfjs model.json with the files beside it (its weight
 * shards); a folder holding a model.json.
 */
export async function modelFiles(path: string): Promise<FileIdentity[]> {
  const info = await stat(path).catch(() => undefined);
  const folder = info?.isDirectory() ? path : basename(path).toLowerCase().endsWith('.json') ? dirname(path) : undefined;
  if (!folder) return [(await identity(path)) ?? { file: resolve(path), size: -1, mtimeMs: -1 }];
  const names = (await readdir(folder)).filter((n) => !n.startsWith('.')).sort();
  const files: FileIdentity[] = [];
  for (const name of names) {
    const found = await identity(join(folder, name));
    if (found) files.push(found);
  }
  return files;
}

/**
 * A digest of a dataset's examples, their files' sizes and times and their labels: the same
 * digest means the same examples in the same order with the same labels.
 */
export async function datasetDigest(dataset: Dataset): Promise<string> {
  const hash = createHash('sha256');
  const files = [...new Set(dataset.examples.map((e) => e.file))];
  const identities = new Map<string, FileIdentity | undefined>();
  for (let i = 0; i < files.length; i += 64) {
    const batch = files.slice(i, i + 64);
    const found = await Promise.all(batch.map(identity));
    for (const [j, f] of batch.entries()) identities.set(f, found[j]);
  }
  for (const e of dataset.examples) {
    const id = identities.get(e.file);
    hash.update(`${e.key}\u0000${resolve(e.file)}\u0000${id?.size ?? -1}\u0000${id?.mtimeMs ?? -1}\u0000${e.label ?? ''}\n`);
  }
  return hash.digest('hex');
}

export async function fileDigest(path: string | undefined): Promise<FileIdentity | null> {
  if (path === undefined) return null;
  return (await identity(path)) ?? null;
}
