import { readFileSync } from 'node:fs';
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
  return { modelBytes: readFileSync(at('model.onnx')), arrays, target: Int32Array.from(arrays.target.data) };
}
