import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fromTfjs } from '@salience/tfjs';
import type { io } from '@tensorflow/tfjs';
import { CliError } from '../cli-error.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';
import { loadTfjs } from './tfjs-runtime.js';

interface ModelJson {
  readonly format?: string;
  readonly modelTopology?: unknown;
  readonly weightsManifest?: readonly { readonly paths: readonly string[]; readonly weights: readonly io.WeightsManifestEntry[] }[];
  readonly [key: string]: unknown;
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : error instanceof Error ? error.message : String(error);
    throw new CliError('modelFile', `Cannot read ${what} ${path}: ${reason}.`, { cause: error });
  }
}

/**
 * Reads a tfjs model.json and its weight shards into memory. Node has no `file://` loader
 * without tfjs-node, so the artifacts are assembled here and handed to `tf.io.fromMemory`.
 */
export async function readTfjsArtifacts(path: string): Promise<{ artifacts: io.ModelArtifacts; graph: boolean }> {
  const text = new TextDecoder().decode(await readBytes(path, 'the model'));
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new CliError('modelFile', `${path} is not JSON (${error instanceof Error ? error.message : String(error)}); give a tfjs model.json or an .onnx file.`);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new CliError('modelFile', `${path} is not a TensorFlow.js model.json (it has no modelTopology).`);
  }
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new CliError('modelFile', `${path} has a weightsManifest that is not a list.`);
  const folder = dirname(path);
  const shards: Uint8Array[] = [];
  const weightSpecs: io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new CliError('modelFile', `${path} has a weightsManifest group without paths or weights.`);
    }
    for (const shard of group.paths) {
      // Weight files live beside model.json: a path that leaves its folder is refused, never read.
      const file = typeof shard === 'string' ? resolve(folder, shard) : undefined;
      const inside = file !== undefined ? relative(resolve(folder), file) : '..';
      if (file === undefined || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
        throw new CliError(
          'modelFile',
          `${path} lists the weight file '${String(shard)}', which is not inside the model's folder; weight files must sit beside model.json (or below it).`,
        );
      }
      shards.push(await readBytes(file, 'the weight file'));
    }
    weightSpecs.push(...group.weights);
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  const topology = json.modelTopology as { node?: unknown };
  const graph = json.format === 'graph-model' || Array.isArray(topology.node);
  const artifacts: io.ModelArtifacts = {
    modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    signature: json.signature as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
    modelInitializer: json.modelInitializer as object | undefined,
  };
  return { artifacts, graph };
}

/** Loads a tfjs LayersModel or GraphModel from a model.json path and wraps it for salience. */
export async function loadTfjsModel(path: string, options: ModelLoadOptions): Promise<LoadedModel> {
  const { artifacts, graph } = await readTfjsArtifacts(path);
  const tf = await loadTfjs(options.backend);
  let source: Awaited<ReturnType<typeof tf.loadLayersModel>> | Awaited<ReturnType<typeof tf.loadGraphModel>>;
  try {
    source = graph ? await tf.loadGraphModel(tf.io.fromMemory(artifacts)) : await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new CliError('modelFile', `${path} could not be loaded by TensorFlow.js: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const model = fromTfjs(tf, source, options.layout ? { layout: options.layout } : {});
    return {
      model,
      format: graph ? 'tfjs-graph' : 'tfjs-layers',
      runtime: `tfjs ${tf.version.tfjs} (${tf.getBackend()})`,
      dispose() {
        model.dispose();
        source.dispose();
      },
    };
  } catch (error) {
    source.dispose();
    throw error;
  }
}
