import { existsSync, readFileSync } from 'node:fs';
import { type FixtureArray, parseFixtureArrays } from '@salience/testing';

export const BACKPROP_MODELS = ['smallcnn', 'colorcnn', 'resnetlite'] as const;
export type BackpropModel = (typeof BACKPROP_MODELS)[number];

export interface BackpropFixture {
  readonly modelBytes: Uint8Array;
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  readonly target: Int32Array;
}

/** The model and Captum's maps written by tools/make-backprop-fixtures.py. */
export function loadBackpropFixture(name: BackpropModel): BackpropFixture {
  const at = (file: string) => new URL(`../fixtures/${name}/${file}`, import.meta.url);
  const { arrays } = parseFixtureArrays(readFileSync(at('backprop.json'), 'utf8'), readFileSync(at('backprop.bin')));
  return { modelBytes: readFileSync(at('model.onnx')), arrays, target: Int32Array.from(arrays.target!.data) };
}

export interface ZennitFixture {
  /** The model with its BatchNorms kept as nodes (colorcnn and resnetlite), else undefined. */
  readonly unfoldedModelBytes: Uint8Array | undefined;
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  /** Each case's name and the lrp options it was made with; its float64 map is `<case>_f64`. */
  readonly cases: readonly { readonly name: string; readonly options: Readonly<Record<string, unknown>> }[];
}

/** The models with Zennit references: the parity models, and mlpbn (Linear, BatchNorm1d, ReLU, Linear; its input in zennit.json). */
export type ZennitModel = BackpropModel | 'mlpbn';

/** Zennit's composites and layer maps written by tools/make-backprop-fixtures.py (zennit.json, zennit.bin). */
export function loadZennitFixture(name: ZennitModel): ZennitFixture {
  const at = (file: string) => new URL(`../fixtures/${name}/${file}`, import.meta.url);
  const { arrays } = parseFixtureArrays(readFileSync(at('zennit.json'), 'utf8'), readFileSync(at('zennit.bin')));
  const cases = Object.entries(arrays)
    .filter(([, a]) => a.extra.options !== undefined)
    .map(([key, a]) => ({ name: key, options: a.extra.options as Record<string, unknown> }));
  return { unfoldedModelBytes: existsSync(at('model-bn.onnx')) ? readFileSync(at('model-bn.onnx')) : undefined, arrays, cases };
}
