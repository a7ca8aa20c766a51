import { ModelError } from '@salience/core';
import type { ModelGraph } from '@salience/onnx-autodiff';
import { MODEL_BYTES_LOCATION } from './shared-weights.js';

/** One external data file of a model, as onnxruntime's `SessionOptions.externalData` takes it. */
export interface ExternalDataFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/**
 * The files a model keeps its weights in (`model.onnx_data`, ...): the `location` of every
 * initializer stored outside the model (models over 2 GB must be saved so).
 */
export function externalLocations(graph: ModelGraph): string[] {
  const locations = new Set<string>();
  for (const tensor of graph.original.graph?.initializer ?? []) {
    if (tensor.dataLocation !== 1) continue;
    const location = tensor.externalData?.find((entry) => entry.key === 'location')?.value;
    // The model's own bytes (shared-weights.ts) are no file beside it.
    if (location && location !== MODEL_BYTES_LOCATION) locations.add(location);
  }
  return [...locations];
}

/**
 * A model file is data a user may have downloaded: its `location` fields must not make us read
 * outside its folder (ONNX defines them as paths relative to the model; onnxruntime refuses the same).
 */
function checkLocationInsideModelFolder(location: string, model: string | URL): void {
  const segments = location.split(/[\\/]/);
  if (/^([a-z]:|[\\/])/i.test(location) || /^[a-z][a-z0-9+.-]*:/i.test(location) || segments.includes('..')) {
    throw new ModelError(
      `The model ${String(model)} says its weights are in '${location}'`,
      "a path outside the model's folder; salience reads external data only from beside the model. Re-save the model with a relative location (onnx.save(..., location='model.onnx_data')), or pass the bytes as sessionOptions.externalData",
    );
  }
}

function isNode(): boolean {
  const runtime = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof runtime?.versions?.node === 'string';
}

/**
 * Reads the external data files of a model opened from a path or URL, from beside it. The extended
 * graphs are given to onnxruntime as bytes, which carry no folder, so the files are handed over as
 * `externalData` (onnxruntime-node and -web both take them as bytes). The weights are read once and
 * shared by every session.
 */
export async function readExternalData(locations: readonly string[], model: string | URL): Promise<ExternalDataFile[]> {
  const url = model instanceof URL ? model : /^[a-z][a-z0-9+.-]*:\/\//i.test(model) ? new URL(model) : undefined;
  const files: ExternalDataFile[] = [];
  for (const location of locations) {
    checkLocationInsideModelFolder(location, model);
    try {
      if (!isNode() || (url && url.protocol !== 'file:')) {
        const response = await fetch(new URL(location, url ?? new URL(String(model), globalThis.location?.href)));
        if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
        files.push({ path: location, data: new Uint8Array(await response.arrayBuffer()) });
        continue;
      }
      const fs = 'node:fs/promises';
      const pathModule = 'node:path';
      const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
      const { dirname, join } = (await import(/* @vite-ignore */ pathModule)) as typeof import('node:path');
      const folder = dirname(url ? decodeURIComponent(url.pathname) : String(model));
      files.push({ path: location, data: new Uint8Array(await readFile(join(folder, location))) });
    } catch (cause) {
      throw new ModelError(
        `The model keeps weights in '${location}', which could not be read from beside ${String(model)}; keep the file next to the model, or pass it as sessionOptions.externalData: [{ path: '${location}', data: bytes }]`,
        cause,
      );
    }
  }
  return files;
}
