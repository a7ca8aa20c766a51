import { OptionError } from '@salience/core';
import { type TfjsModel, fromTfjs } from '@salience/tfjs';
import type * as tfType from '@tensorflow/tfjs';
import type { ImageShape } from './image-input.js';

type Tf = typeof tfType;

/** A model the page can explain: the salience adapter, the image it takes, and its class names. */
export interface PlaygroundModel {
  readonly name: string;
  /** The tfjs backend its weights were loaded on. */
  readonly backend: string;
  readonly model: TfjsModel;
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

function imageShapeOf(inputShape: readonly (number | null)[], name: string): ImageShape {
  const [, height, width, channels] = inputShape;
  if (inputShape.length !== 4 || !height || !width || (channels !== 1 && channels !== 3)) {
    throw new OptionError(
      `${name} takes input [${inputShape.map((d) => d ?? '?').join(', ')}]; the playground explains image models with input [batch, height, width, 1 or 3] (NHWC).`,
    );
  }
  return { height, width, channels };
}

function wrap(tf: Tf, name: string, net: tfType.LayersModel | tfType.GraphModel, labels?: readonly string[]): PlaygroundModel {
  const backend = tf.getBackend();
  const inputShape = 'inputs' in net && Array.isArray(net.inputs) ? (net.inputs[0].shape as (number | null)[]) : [];
  let shape: ImageShape;
  try {
    shape = imageShapeOf(inputShape, name);
  } catch (error) {
    net.dispose();
    throw error;
  }
  const model = fromTfjs(tf, net);
  const classes = (net.outputs[0].shape as (number | null)[]).at(-1) ?? 0;
  return {
    name,
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
  load(tf: Tf): Promise<PlaygroundModel>;
}

/** The Fashion-MNIST CNN that ships with the CLI. */
export const BUILTIN_SOURCE: ModelSource = {
  name: 'built-in Fashion-MNIST CNN',
  async load(tf) {
    const [net, labelsText] = await Promise.all([tf.loadLayersModel(builtinUrl('model.json')), fetch(builtinUrl('labels.txt')).then((r) => r.text())]);
    return wrap(tf, this.name, net, parseLabels(labelsText));
  },
};

function parseLabels(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

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
 * A model dropped on the page: a tfjs model.json with its weight files (a LayersModel, or a
 * GraphModel from the converter). ONNX files are refused with what to do instead.
 */
export function droppedSource(files: readonly File[]): ModelSource {
  if (files.some((f) => f.name.toLowerCase().endsWith('.onnx'))) {
    throw new OptionError(
      'ONNX models need @salience/onnx, which this build of the playground does not include yet; convert the model to tfjs (tensorflowjs_converter) and drop its model.json with its .bin files.',
    );
  }
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  if (!json) throw new OptionError('Drop a tfjs model.json together with its .bin weight files.');
  const weights = files.filter((f) => f !== json);
  return {
    name: json.name,
    async load(tf) {
      const format = (JSON.parse(await json.text()) as { format?: string }).format;
      const handler = tf.io.browserFiles([json, ...weights]);
      const net = format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
      return wrap(tf, json.name, net);
    },
  };
}
