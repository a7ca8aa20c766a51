import { readFileSync } from 'node:fs';
import type * as tfjs from '@tensorflow/tfjs';

/** The planted-evidence CNN trained by tools/train-planted-cnn.ts, loaded from this folder. */
export async function loadPlantedCnn(tf: typeof tfjs): Promise<tfjs.LayersModel> {
  const dir = new URL('./planted-cnn/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('model.json', dir), 'utf8'));
  const bytes = readFileSync(new URL('weights.bin', dir));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData }));
}

/** How the shipped weights were trained (the tool writes it beside them). */
export function plantedCnnTraining(): { trainAccuracy: number; heldOutAccuracy: number; heldOut: { count: number; seed: number } } {
  return JSON.parse(readFileSync(new URL('./planted-cnn/model.json', import.meta.url), 'utf8')).training;
}
