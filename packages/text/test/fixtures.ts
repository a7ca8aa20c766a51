import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type FixtureArray, parseFixtureArrays } from '@salience/testing';

/** The folders that tools/export-text-folder.py writes under packages/text/fixtures. */
export const TEXT_FOLDERS = ['distilbert', 'bert', 'roberta', 'gpt2'] as const;
export type TextFolder = (typeof TEXT_FOLDERS)[number];

export interface TextFixture {
  readonly folder: string;
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  readonly meta: {
    readonly texts: string[];
    readonly inputs: string[];
    readonly padTokenId: number;
    readonly maskTokenId: number | null;
    readonly tokens: string[][];
    readonly ids: number[][];
    readonly offsets: [number, number][][];
    readonly specialTokensMask: number[][];
    readonly quantizedOps: string[];
  };
  readonly target: number[];
}

export function folderPath(name: TextFolder): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export async function loadTextFixture(name: TextFolder): Promise<TextFixture> {
  const folder = folderPath(name);
  const [manifest, bin] = await Promise.all([readFile(`${folder}/cases.json`, 'utf8'), readFile(`${folder}/cases.bin`)]);
  const { arrays, meta } = parseFixtureArrays(manifest, bin);
  return { folder, arrays, meta: meta as unknown as TextFixture['meta'], target: Array.from(arrays.target!.data) };
}

/** max|got - want| / max|want|. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
  }
  return scale > 0 ? err / scale : err;
}

/** The largest per-map relative error of two [maps, ...] arrays. */
export function worstMapError(got: ArrayLike<number>, want: ArrayLike<number>, maps: number): number {
  const per = want.length / maps;
  let worst = 0;
  for (let m = 0; m < maps; m++) {
    worst = Math.max(worst, relativeError(Array.prototype.slice.call(got, m * per, (m + 1) * per), Array.prototype.slice.call(want, m * per, (m + 1) * per)));
  }
  return worst;
}
