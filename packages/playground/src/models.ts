import { type Model, OptionError } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { fromTfjs } from '@salience/tfjs';
import type * as tfType from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import type { BackendName } from './backends.js';
import type { ImageShape } from './image-input.js';
import { parseLabels } from './labels.js';

type Tf = typeof tfType;

/** A model the page can explain: the salience adapter, the image it takes, and its class names. */
export interface PlaygroundModel {
  readonly name: string;
  /** Who runs it: TensorFlow.js, or onnxruntime-web. */
  readonly runtime: 'tfjs' | 'onnx';
  /** The backend its weights were loaded on (a tfjs backend, or an onnxruntime-web provider). */
  readonly backend: string;
  readonly model: Model;
  readonly shape: ImageShape;
  readonly labels: readonly string[];
  dispose(): void;
}

export interface BuiltinSample {
  readonly url: string;
  readonly label: number;
  readonly name: string;
}

/** Served from the page's own folder (the CLI's builtin/ is Vite's public folder). */
const builtinUrl = (file: string) => new URL(file, new URL(import.meta.env.BASE_URL, document.baseURI)).href;

function imageShapeOf(inputShape: readonly (number | null)[], name: string, layout: 'NHWC' | 'NCHW' = 'NHWC'): ImageShape {
  const [, a, b, c] = inputShape;
  const [height, width, channels] = layout === 'NHWC' ? [a, b, c] : [b, c, a];
  if (inputShape.length !== 4 || !height || !width || (channels !== 1 && channels !== 3)) {
    const expected = layout === 'NHWC' ? '[batch, height, width, 1 or 3] (NHWC)' : '[batch, 1 or 3, height, width] (NCHW)';
    throw new OptionError(`${name} takes input [${inputShape.map((d) => d ?? '?').join(', ')}]; the playground explains image models with input ${expected}.`);
  }
  return { height, width, channels, layout };
}

function wrap(tf: Tf, name: string, net: tfType.LayersModel | tfType.GraphModel, labels?: readonly string[]): PlaygroundModel {
  const backend = tf.getBackend();
  const inputShape = 'inputs' in net && Array.isArray(net.inputs) ? (net.inputs[0]!.shape as (number | null)[]) : [];
  let shape: ImageShape;
  try {
    shape = imageShapeOf(inputShape, name);
  } catch (error) {
    net.dispose();
    throw error;
  }
  const model = fromTfjs(tf, net);
  const classes = (net.outputs[0]!.shape as (number | null)[]).at(-1) ?? 0;
  return {
    name,
    runtime: 'tfjs',
    backend,
    model,
    shape,
    labels: labels ?? Array.from({ length: classes }, (_, i) => `class ${i}`),
    dispose: () => {
      model.dispose();
      net.dispose();
    },
  };
}

/**
 * Where a model comes from. Loading is repeated when the backend changes: weights live on the
 * backend that was active when they were loaded, and moving them between backends reads them
 * back synchronously, which WebGPU does badly.
 */
export interface ModelSource {
  readonly name: string;
  /** 'tfjs' models run on any tfjs backend; 'onnx' models on onnxruntime-web's wasm or webgpu provider. */
  readonly runtime: 'tfjs' | 'onnx';
  load(tf: Tf, backend: BackendName): Promise<PlaygroundModel>;
}

/** onnxruntime-web's default build (wasm and WebGPU), its binary part of the page: no CDN. */
function configuredOrt(): OrtModule {
  ort.env.wasm.wasmPaths = { wasm: jsepWasmUrl };
  // Threads need a cross-origin isolated page, which a plain static server does not give.
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const module = ort as unknown as OrtModule;
  return {
    Tensor: module.Tensor,
    InferenceSession: { create: async (bytes, options) => oneRunAtATime(await module.InferenceSession.create(bytes, options)) },
  };
}

/** The last run of any onnxruntime-web session on the page; the next one waits for it. */
let lastRun: Promise<unknown> = Promise.resolve();

/**
 * onnxruntime-web's default build runs one session at a time ("Session already started"), and the
 * page may hold two models at once while it switches (the old one finishing, the new one's first
 * run): every run on the page is queued behind the previous one.
 */
type OrtSession = Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;

function oneRunAtATime(session: OrtSession): OrtSession {
  const run = session.run.bind(session) as (...args: unknown[]) => Promise<unknown>;
  const queued = (...args: unknown[]) => {
    const next = lastRun.then(() => run(...args));
    lastRun = next.catch(() => undefined);
    return next;
  };
  return new Proxy(session, {
    get: (target, key) => {
      if (key === 'run') return queued;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** An ONNX model on onnxruntime-web's wasm or webgpu provider (the page's WebAssembly and WebGPU backends). */
async function loadOnnx(name: string, bytes: Uint8Array, backend: BackendName, labels?: readonly string[]): Promise<PlaygroundModel> {
  if (backend !== 'wasm' && backend !== 'webgpu') {
    throw new OptionError(`ONNX models run on onnxruntime-web's WebAssembly or WebGPU backend; pick one of those instead of ${backend}.`);
  }
  const model = await fromOnnx(configuredOrt(), bytes, { sessionOptions: { executionProviders: [backend] } });
  let shape: ImageShape;
  try {
    if (model.layout !== 'NCHW' && model.layout !== 'NHWC') throw new OptionError(`${name} is not an image model (its input layout is '${model.layout}').`);
    shape = imageShapeOf(model.inputShape, name, model.layout);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const { logits } = await model.run({
    input: {
      data: new Float32Array(shape.height * shape.width * shape.channels),
      shape: model.layout === 'NCHW' ? [1, shape.channels, shape.height, shape.width] : [1, shape.height, shape.width, shape.channels],
    },
    outputs: ['logits'],
  });
  const classes = logits.shape[1]!;
  return { name, runtime: 'onnx', backend, model, shape, labels: labels ?? Array.from({ length: classes }, (_, i) => `class ${i}`), dispose: () => model.dispose() };
}

/** The same Fashion-MNIST CNN as exported from PyTorch to ONNX, on onnxruntime-web. */
export const BUILTIN_ONNX_SOURCE: ModelSource = {
  name: 'built-in Fashion-MNIST CNN (ONNX)',
  runtime: 'onnx',
  async load(_tf, backend) {
    const [bytes, labelsText] = await Promise.all([
      fetch(builtinUrl('model.onnx')).then(async (r) => new Uint8Array(await r.arrayBuffer())),
      fetch(builtinUrl('labels.txt')).then((r) => r.text()),
    ]);
    return loadOnnx(this.name, bytes, backend, parseLabels(labelsText));
  },
};

/** The Fashion-MNIST CNN that ships with the CLI. */
export const BUILTIN_SOURCE: ModelSource = {
  name: 'built-in Fashion-MNIST CNN',
  runtime: 'tfjs',
  async load(tf) {
    const [net, labelsText] = await Promise.all([tf.loadLayersModel(builtinUrl('model.json')), fetch(builtinUrl('labels.txt')).then((r) => r.text())]);
    return wrap(tf, this.name, net, parseLabels(labelsText));
  },
};

/** The built-in model's sample images (Fashion-MNIST test images), with their true classes. */
export async function builtinSamples(): Promise<BuiltinSample[]> {
  const [labelsText, samplesJson] = await Promise.all([
    fetch(builtinUrl('labels.txt')).then((r) => r.text()),
    fetch(builtinUrl('samples.json')).then((r) => r.json() as Promise<{ file: string; label: number }[]>),
  ]);
  const labels = parseLabels(labelsText);
  return samplesJson.map((s) => ({ url: builtinUrl(s.file), label: s.label, name: labels[s.label] ?? `class ${s.label}` }));
}

/**
 * A model dropped on the page: an .onnx file, or a tfjs model.json with its weight files (a
 * LayersModel, or a GraphModel from the converter).
 */
export function droppedSource(files: readonly File[]): ModelSource {
  const onnxFile = files.find((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (onnxFile) {
    return {
      name: onnxFile.name,
      runtime: 'onnx',
      load: async (_tf, backend) => loadOnnx(onnxFile.name, new Uint8Array(await onnxFile.arrayBuffer()), backend),
    };
  }
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  if (!json) throw new OptionError('Drop a tfjs model.json together with its .bin weight files.');
  const weights = files.filter((f) => f !== json);
  return {
    name: json.name,
    runtime: 'tfjs',
    async load(tf) {
      const format = (JSON.parse(await json.text()) as { format?: string }).format;
      const handler = tf.io.browserFiles([json, ...weights]);
      const net = format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
      return wrap(tf, json.name, net);
    },
  };
}
