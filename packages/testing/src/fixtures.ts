import type { Layout, TensorData } from '@salience/core';
import { ShapeError, sizeOf } from '@salience/core';

/** One array of a fixture: its data, and what the manifest says about it. */
export interface FixtureArray extends TensorData {
  /** How the expected values were computed, when the manifest says. */
  readonly method?: string;
  /** Any other fields of the manifest entry (`window`, `stride`...). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The JSON manifest of a fixture: `arrays.<name> = { offset, shape, method? }` plus free fields. */
export interface FixtureManifest {
  readonly dtype?: string;
  readonly byteOrder?: string;
  readonly arrays: Readonly<Record<string, { readonly offset: number; readonly shape: readonly number[]; readonly [field: string]: unknown }>>;
  readonly [field: string]: unknown;
}

export interface ParsedFixture {
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  /** The manifest's top-level fields other than `arrays`, `dtype` and `byteOrder`. */
  readonly meta: Readonly<Record<string, unknown>>;
}

function bytesOf(bin: ArrayBufferLike | ArrayBufferView): DataView {
  return ArrayBuffer.isView(bin) ? new DataView(bin.buffer, bin.byteOffset, bin.byteLength) : new DataView(bin);
}

/**
 * Reads the arrays that a manifest describes out of its `.bin` (little-endian float32). Pure: works
 * in a browser on the result of `fetch(...).arrayBuffer()`. Every array is a fresh copy.
 */
export function parseFixtureArrays(manifest: string | FixtureManifest, bin: ArrayBufferLike | ArrayBufferView): ParsedFixture {
  const parsed: FixtureManifest = typeof manifest === 'string' ? JSON.parse(manifest) : manifest;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.arrays !== 'object' || parsed.arrays === null) {
    throw new ShapeError('A fixture manifest needs an "arrays" object: { arrays: { name: { offset, shape } } }.');
  }
  const { arrays: entries, dtype = 'float32', byteOrder = 'little', ...meta } = parsed;
  if (dtype !== 'float32' || byteOrder !== 'little') {
    throw new ShapeError(`Fixture arrays are ${dtype} ${byteOrder}-endian; only little-endian float32 is supported.`);
  }
  const view = bytesOf(bin);
  const arrays: Record<string, FixtureArray> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const { offset, shape, method, ...extra } = entry;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(`Fixture array '${name}' has an invalid shape ${JSON.stringify(shape)}.`);
    }
    const count = sizeOf(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset + 4 * count > view.byteLength) {
      throw new ShapeError(`Fixture array '${name}' (offset ${offset}, ${count} float32 values) does not fit in a .bin of ${view.byteLength} bytes.`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    arrays[name] = {
      data,
      shape: [...shape],
      ...(typeof method === 'string' ? { method } : {}),
      extra,
    };
  }
  return { arrays, meta };
}

/** The reference models of the Captum fixtures. */
export type CaptumModelName = 'smallcnn' | 'colorcnn' | 'tabular' | 'tinytext';

export const CAPTUM_MODELS: readonly CaptumModelName[] = ['smallcnn', 'colorcnn', 'tabular', 'tinytext'];

/** A model's reference cases (inputs, targets, logits, expected attributions) and its weights. */
export interface CaptumFixture {
  readonly name: CaptumModelName;
  /** Layout of the stored arrays: images are NCHW (transpose with `nchwToNhwc` for NHWC models). */
  readonly layout: Layout;
  /** Name of the input array, which is also the ONNX model's input name: 'input' or 'input_ids'. */
  readonly inputName: string;
  readonly input: FixtureArray;
  /** One class per example of `input`. */
  readonly target: Int32Array;
  /** The model's logits for `input`, [B, classes]. */
  readonly logits: FixtureArray;
  /** Every array of cases.json, by name (`gradient`, `ig_riemann_right_50`, `occlusion`...). */
  readonly cases: Readonly<Record<string, FixtureArray>>;
  /** The PyTorch state_dict: conv OIHW, linear [out, in], embedding [vocab, dim]. */
  readonly weights: Readonly<Record<string, FixtureArray>>;
  /** Layer that the Grad-CAM references were computed at (image models). */
  readonly gradcamLayer?: string;
  /** Embedding layer of a token model. */
  readonly embeddingLayer?: string;
  readonly padTokenId?: number;
  /** All top-level fields of cases.json besides the arrays. */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Where model.onnx is; a file: URL when loaded from disk. */
  readonly modelUrl: URL;
  /** model.onnx as a filesystem path, when it is on disk. */
  readonly modelPath?: string;
  /** The bytes of model.onnx (opset 17, dynamic batch, output 'logits'). */
  readonly modelBytes: Uint8Array;
}

/** URL of a file of a Captum fixture inside this package (`fixtures/captum/<name>/<file>`). */
export function captumFixtureUrl(name: CaptumModelName, file = ''): URL {
  if (!CAPTUM_MODELS.includes(name)) {
    throw new RangeError(`Unknown Captum fixture '${name}'; the fixtures are ${CAPTUM_MODELS.join(', ')}.`);
  }
  // src/ and dist/ both sit one level below the package root, beside fixtures/.
  return new URL(`../fixtures/captum/${name}/${file}`, import.meta.url);
}

async function readBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not fetch ${url.href}: HTTP ${response.status}.`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readManifest(url: URL): Promise<FixtureManifest> {
  return JSON.parse(new TextDecoder().decode(await readBytes(url)));
}

function layoutOf(meta: Readonly<Record<string, unknown>>, inputName: string, input: FixtureArray): Layout {
  if (meta.layout === 'NCHW' || meta.layout === 'NHWC' || meta.layout === 'NC' || meta.layout === 'tokens') return meta.layout;
  if (inputName === 'input_ids') return 'tokens';
  return input.shape.length === 2 ? 'NC' : 'NCHW';
}

/**
 * Loads a Captum fixture from this package's own `fixtures/` folder: from disk under Node, with
 * `fetch` where the package is served over HTTP (browser test runners).
 */
export async function loadCaptumFixture(name: CaptumModelName): Promise<CaptumFixture> {
  const at = (file: string) => captumFixtureUrl(name, file);
  const [casesJson, casesBin, weightsJson, weightsBin, modelBytes] = await Promise.all([
    readManifest(at('cases.json')),
    readBytes(at('cases.bin')),
    readManifest(at('weights.json')),
    readBytes(at('weights.bin')),
    readBytes(at('model.onnx')),
  ]);
  const cases = parseFixtureArrays(casesJson, casesBin);
  const weights = parseFixtureArrays(weightsJson, weightsBin);
  const inputName = 'input_ids' in cases.arrays ? 'input_ids' : 'input';
  const input = cases.arrays[inputName];
  const { target, logits } = cases.arrays;
  if (!input || !target || !logits) throw new ShapeError(`Fixture '${name}' lacks its ${inputName}, target or logits array.`);
  const meta = cases.meta;
  const modelUrl = at('model.onnx');
  const modelPath = modelUrl.protocol === 'file:' ? (await import('node:url')).fileURLToPath(modelUrl) : undefined;
  return {
    name,
    layout: layoutOf(meta, inputName, input),
    inputName,
    input,
    target: Int32Array.from(target.data),
    logits,
    cases: cases.arrays,
    weights: weights.arrays,
    ...(typeof meta.gradcamLayer === 'string' ? { gradcamLayer: meta.gradcamLayer } : {}),
    ...(typeof meta.embeddingLayer === 'string' ? { embeddingLayer: meta.embeddingLayer } : {}),
    ...(typeof meta.padTokenId === 'number' ? { padTokenId: meta.padTokenId } : {}),
    meta,
    modelUrl,
    ...(modelPath !== undefined ? { modelPath } : {}),
    modelBytes,
  };
}
