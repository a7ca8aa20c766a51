import { readFile } from 'node:fs/promises';
import type * as tfjs from '@tensorflow/tfjs';

export type MarkerModelName = 'clean' | 'spurious';

/**
 * Loads a trained marker-sentence classifier (tools/train-text-classifier.ts) into the caller's
 * tfjs, from the model.json and weights.bin beside this file. The caller disposes it.
 */
export async function loadMarkerModel(tf: typeof tfjs, name: MarkerModelName): Promise<tfjs.LayersModel> {
  const dir = new URL(`./${name}/`, import.meta.url);
  const manifest = JSON.parse(await readFile(new URL('model.json', dir), 'utf8'));
  const bin = await readFile(new URL('weights.bin', dir));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData }));
}
