import { GRADIENT_OUTPUTS, type Model, type ModelOutputs, type ModelRequest, OptionError, type OutputName, type TensorData } from '@salience/core';
import { fromOnnx, type OnnxModel, type OnnxModelOptions, type OnnxModelSource, type OrtModule } from '@salience/onnx';
import { type DequantizedModel, dequantize } from './dequantize.js';
import { type FileLocation, joinLocation, readBytesIfExists, readJsonIfExists } from './files.js';
import { QuantizedModelError, type QuantizedOp, quantizedOps } from './quantized.js';
import { type EncodedBatch, type SpecialTokenIds, TextTokenizer } from './tokenizer.js';

/** A model folder's files given one by one: JSON objects, or where to read them. */
export interface TextClassifierFiles {
  /** The ONNX model: bytes, a path or URL, or `{ bytes, session }` to reuse a session. */
  readonly model: OnnxModelSource;
  /** tokenizer.json: the parsed object, or where to read it. */
  readonly tokenizer: FileLocation | object;
  /** tokenizer_config.json (special token names, model_max_length). */
  readonly tokenizerConfig?: FileLocation | object;
  /** config.json (id2label, pad_token_id). */
  readonly config?: FileLocation | object;
}

export interface TextClassifierOptions {
  /** Folders: open `onnx/model_quantized.onnx` (what transformers.js downloads by default) instead of `onnx/model.onnx`. */
  readonly quantized?: boolean;
  /** Passed to `fromOnnx` (sessionOptions, embedding, output...). `padId` defaults to the tokenizer's pad id. */
  readonly onnx?: OnnxModelOptions;
  /** Longest tokenised text, special tokens included (default: tokenizer_config's model_max_length, else 512). */
  readonly maxLength?: number;
  /**
   * A quantized model: explain a float copy made in memory (weights dequantized, activations in
   * float) instead, so that gradient methods run; every method then explains the copy, and
   * `dequantized` says so. Without it a quantized model is forward-only.
   */
  readonly dequantize?: boolean;
}

/** The prediction for a batch: logits and softmax probabilities `[B, classes]`, and each row's top class. */
export interface TextPrediction {
  readonly logits: TensorData;
  readonly probabilities: TensorData;
  readonly predicted: readonly number[];
}

/** A text classifier ready for salience: the Model, its tokenizer and class names. */
export interface TextClassifier {
  /** The salience Model (token ids `[B, T]` in, logits out), from `@salience/onnx`. */
  readonly model: OnnxModel;
  readonly tokenizer: TextTokenizer;
  /** Class names from config.json's id2label, by class index (undefined without a config). */
  readonly labels: readonly string[] | undefined;
  /** The pad id fed to the model (attention_mask = ids != pad); null: every token real. */
  readonly padId: number | null;
  readonly specialIds: SpecialTokenIds;
  /** The quantized ops of the model (empty for a float model). */
  readonly quantization: readonly QuantizedOp[];
  /** Why gradient methods cannot run (a QuantizedModelError for quantized models), else undefined. */
  readonly gradientError: Error | undefined;
  /** The ONNX file opened, when it was read from a folder or a path. */
  readonly modelFile: string | undefined;
  /** With `dequantize` on a quantized model: what the in-memory float copy rewrote (`model` is that copy). */
  readonly dequantized: Omit<DequantizedModel, 'bytes'> | undefined;
  /** Tokenises texts into ids `[B, T]` with token strings and offsets. */
  encode(texts: string | readonly string[]): EncodedBatch;
  /** Logits and probabilities of a tokenised batch (one forward call). */
  predict(batch: EncodedBatch): Promise<TextPrediction>;
  /** Throws `gradientError` (before any work) when gradient methods cannot run on this model. */
  assertGradients(): void;
  dispose(): void;
}

function isFiles(source: unknown): source is TextClassifierFiles {
  return typeof source === 'object' && source !== null && !(source instanceof URL) && 'model' in source && 'tokenizer' in source;
}

async function jsonFrom(value: FileLocation | object | undefined, what: string, required: boolean): Promise<object | undefined> {
  if (value === undefined) return undefined;
  if (typeof value === 'string' || value instanceof URL) {
    const json = await readJsonIfExists(value);
    if (json === undefined && required) throw new OptionError(`${what} not found at '${String(value)}'.`);
    return json as object | undefined;
  }
  return value;
}

/** id2label as an array by class index. */
export function labelsOf(config: object | undefined): string[] | undefined {
  const id2label = (config as { id2label?: Record<string, string> } | undefined)?.id2label;
  if (!id2label || typeof id2label !== 'object') return undefined;
  const entries = Object.entries(id2label).map(([k, v]) => [Number(k), String(v)] as const);
  if (entries.some(([k]) => !Number.isInteger(k) || k < 0)) return undefined;
  const labels: string[] = [];
  for (const [k, v] of entries) labels[k] = v;
  return Array.from(labels, (v, i) => v ?? `LABEL_${i}`);
}

async function modelBytes(source: OnnxModelSource): Promise<{ bytes: Uint8Array; file: string | undefined }> {
  if (source instanceof Uint8Array) return { bytes: source, file: undefined };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), file: undefined };
  if (typeof source === 'string' || source instanceof URL) {
    const bytes = await readBytesIfExists(source);
    if (bytes === undefined) throw new OptionError(`ONNX model not found at '${String(source)}'.`);
    return { bytes, file: String(source) };
  }
  const b = source.bytes;
  return { bytes: b instanceof Uint8Array ? b : new Uint8Array(b), file: undefined };
}

/** The files of a transformers.js / Optimum folder: onnx/model.onnx (or model.onnx at the top). */
async function folderFiles(folder: FileLocation, quantized: boolean): Promise<{ files: TextClassifierFiles; file: string; bytes: Uint8Array }> {
  const name = quantized ? 'model_quantized.onnx' : 'model.onnx';
  for (const candidate of [`onnx/${name}`, name]) {
    const location = joinLocation(folder, candidate);
    const bytes = await readBytesIfExists(location);
    if (bytes !== undefined) {
      return {
        files: {
          model: bytes,
          tokenizer: joinLocation(folder, 'tokenizer.json'),
          tokenizerConfig: joinLocation(folder, 'tokenizer_config.json'),
          config: joinLocation(folder, 'config.json'),
        },
        file: String(location),
        bytes,
      };
    }
  }
  throw new OptionError(
    `No ${name} in '${String(folder)}' (looked for onnx/${name} and ${name}). A transformers.js / Optimum folder holds config.json, tokenizer.json and onnx/model.onnx${quantized ? ' (and onnx/model_quantized.onnx)' : ''}.`,
  );
}

/**
 * Opens a text classifier: a transformers.js / Optimum folder (path or URL: `config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx` or `onnx/model_quantized.onnx`), or
 * the files given one by one (`{ model, tokenizer, config? }`). `ort` is your onnxruntime-node or
 * onnxruntime-web module.
 */
export async function loadTextClassifier(ort: OrtModule, source: FileLocation | TextClassifierFiles, options: TextClassifierOptions = {}): Promise<TextClassifier> {
  let files: TextClassifierFiles;
  let bytes: Uint8Array;
  let file: string | undefined;
  if (isFiles(source)) {
    files = source;
    ({ bytes, file } = await modelBytes(source.model));
  } else {
    ({ files, bytes, file } = await folderFiles(source, options.quantized ?? false));
  }
  const tokenizerJson = await jsonFrom(files.tokenizer, 'tokenizer.json', true);
  const tokenizerConfig = await jsonFrom(files.tokenizerConfig, 'tokenizer_config.json', false);
  const config = await jsonFrom(files.config, 'config.json', false);
  const session = isFiles(source) && typeof source.model === 'object' && source.model !== null && 'session' in source.model ? source.model.session : undefined;
  return assemble(ort, { bytes, session, file, tokenizerJson, tokenizerConfig, config }, options);
}

/** What both loaders end with: the tokenizer, the class names and the salience Model. */
export async function assemble(
  ort: OrtModule,
  parts: { bytes: Uint8Array; session: unknown; file: string | undefined; tokenizerJson: unknown; tokenizerConfig: unknown; config: object | undefined },
  options: TextClassifierOptions,
): Promise<TextClassifier> {
  const configPad = (parts.config as { pad_token_id?: unknown } | undefined)?.pad_token_id;
  const tokenizer = new TextTokenizer(parts.tokenizerJson, parts.tokenizerConfig, {
    fallbackPadId: typeof configPad === 'number' ? configPad : null,
    maxLength: options.maxLength,
  });
  const padId = options.onnx?.padId !== undefined ? options.onnx.padId : tokenizer.specialIds.pad;
  const quantization = quantizedOps(parts.bytes);
  let dequantized: Omit<DequantizedModel, 'bytes'> | undefined;
  let source: OnnxModelSource = parts.session ? { bytes: parts.bytes, session: parts.session as never } : parts.bytes;
  if (quantization.length > 0 && options.dequantize) {
    const { bytes, ...counts } = dequantize(parts.bytes, parts.file);
    source = bytes; // the copy gets its own session
    dequantized = counts;
  }
  const opened = await fromOnnx(ort, source, { ...options.onnx, padId });
  const forwardOnlyModel = quantization.length > 0 && !dequantized;
  const gradientError = forwardOnlyModel ? new QuantizedModelError(quantization, parts.file) : opened.gradientError;
  const model = forwardOnlyModel ? forwardOnly(opened, gradientError as QuantizedModelError) : opened;
  const labels = labelsOf(parts.config);
  return {
    model,
    tokenizer,
    labels,
    padId,
    specialIds: tokenizer.specialIds,
    quantization,
    gradientError,
    modelFile: parts.file,
    dequantized,
    encode: (texts) => tokenizer.encodeBatch(typeof texts === 'string' ? [texts] : texts),
    predict: (batch) => predict(model, batch),
    assertGradients() {
      if (gradientError) throw gradientError;
    },
    dispose: () => model.dispose(),
  };
}

async function predict(model: Model, batch: EncodedBatch): Promise<TextPrediction> {
  const ids = batch.ids;
  const { logits } = await model.run({ input: ids, outputs: ['logits'], context: model.contextOf?.(ids) });
  const [rows, classes] = logits.shape as [number, number];
  const probabilities = new Float32Array(logits.data.length);
  const predicted: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = logits.data.subarray(r * classes, (r + 1) * classes);
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) if (row[c]! > max) [max, arg] = [row[c]!, c];
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c]! - max);
    for (let c = 0; c < classes; c++) probabilities[r * classes + c] = Math.exp(row[c]! - max) / sum;
    predicted.push(arg);
  }
  return { logits, probabilities: { data: probabilities, shape: [rows, classes] }, predicted };
}

function rowOf(t: TensorData, r: number): TensorData {
  const size = t.data.length / t.shape[0]!;
  return { data: t.data.subarray(r * size, (r + 1) * size), shape: [1, ...t.shape.slice(1)] };
}

/**
 * Dynamic quantization (DynamicQuantizeLinear) takes one scale per tensor, over the whole batch,
 * so a row's logits would depend on the rows it was batched with: each row runs on its own.
 */
async function rowByRow<K extends OutputName>(model: Model, request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
  const rows = request.input.shape[0]!;
  if (rows <= 1) return model.run(request);
  const parts: Pick<ModelOutputs, K>[] = [];
  for (let r = 0; r < rows; r++) {
    const context = request.context && Object.fromEntries(Object.entries(request.context).map(([k, v]) => [k, rowOf(v, r)]));
    parts.push(await model.run({ ...request, input: rowOf(request.input, r), context }));
  }
  const out: Record<string, TensorData> = {};
  for (const key of request.outputs) {
    const pieces = parts.map((p) => (p as Record<string, TensorData>)[key]);
    const data = new Float32Array(pieces.reduce((n, p) => n + p!.data.length, 0));
    let at = 0;
    for (const p of pieces) {
      data.set(p!.data, at);
      at += p!.data.length;
    }
    out[key] = { data, shape: [rows, ...pieces[0]!.shape.slice(1)] };
  }
  return out as unknown as Pick<ModelOutputs, K>;
}

/**
 * A quantized model as a forward-only Model, one row per runtime call: logits and layer activations as the runtime gives
 * them; a gradient request stops with the QuantizedModelError before anything runs. Its
 * embeddings (quantized codes) are not offered.
 */
function forwardOnly(model: OnnxModel, error: QuantizedModelError): OnnxModel {
  const capabilities = new Set([...model.capabilities].filter((c) => !GRADIENT_OUTPUTS.includes(c) && c !== 'embeddings'));
  const guarded: OnnxModel = {
    get layout() {
      return model.layout;
    },
    get inputShape() {
      return model.inputShape;
    },
    capabilities,
    get inputName() {
      return model.inputName;
    },
    get outputName() {
      return model.outputName;
    },
    get inputType() {
      return model.inputType;
    },
    get contextNames() {
      return model.contextNames;
    },
    embedding: undefined,
    get maxPoolTies() {
      return model.maxPoolTies;
    },
    gradientError: error,
    layers: () => model.layers(),
    run<K extends OutputName>(request: ModelRequest<K>) {
      if (request.outputs.some((o) => GRADIENT_OUTPUTS.includes(o) || o === 'embeddings')) return Promise.reject(error);
      return rowByRow(model, request);
    },
    contextOf: (input) => model.contextOf(input),
    randomizedCopy: (layers, opts) => model.randomizedCopy(layers, opts),
    dispose: () => model.dispose(),
  };
  return guarded;
}
