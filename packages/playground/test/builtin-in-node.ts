import { readFile } from 'node:fs/promises';
import { decodePng } from '@salience/render';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { PlaygroundModel } from '../src/models.js';

/** The CLI's built-in model folder, which the page serves as its public folder. */
export const BUILTIN_DIR = new URL('../../cli/builtin/', import.meta.url);

/** The built-in model on tfjs's cpu backend in Node, read from disk (tfjs without tfjs-node has no file:// loader). */
export async function builtinInNode(): Promise<PlaygroundModel> {
  await tf.setBackend('cpu');
  const artifacts = JSON.parse(await readFile(new URL('model.json', BUILTIN_DIR), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = artifacts.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(artifacts.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(new URL(p, BUILTIN_DIR))));
  const bytes = Buffer.concat(buffers);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const net = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData }));
  const model = fromTfjs(tf, net);
  return {
    name: 'built-in (Node)',
    runtime: 'tfjs',
    backend: 'cpu',
    model,
    shape: { height: 28, width: 28, channels: 1 },
    labels: [],
    dispose: () => {
      model.dispose();
      net.dispose();
    },
  };
}

/** A sample image of the built-in model, decoded in Node. */
export async function builtinSampleInNode(index: number) {
  const samples = JSON.parse(await readFile(new URL('samples.json', BUILTIN_DIR), 'utf8')) as { file: string }[];
  return decodePng(await readFile(new URL(samples[index]!.file, BUILTIN_DIR)));
}
