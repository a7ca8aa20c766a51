import { OptionError } from '@salience/core';
import type { OnnxModelSource, OrtModule } from '@salience/onnx';
import { type FileLocation, joinLocation, readBytesIfExists, readJsonIfExists } from './files.js';
import { assemble, type TextClassifier, type TextClassifierOptions } from './text-classifier.js';

/**
 * What a transformers.js user holds: a pipeline (`await pipeline('text-classification', ...)`),
 * or `{ model, tokenizer }` from `AutoModelForSequenceClassification.from_pretrained` and
 * `AutoTokenizer.from_pretrained`. Only the fields read here are typed.
 */
export interface TransformersJsModel {
  readonly model: {
    readonly config?: object;
    readonly sessions?: Readonly<Record<string, { readonly config?: { readonly dtype?: string } } | undefined>>;
  };
  readonly tokenizer?: { readonly _tokenizerJSON?: object; readonly _tokenizerConfig?: object; readonly pad_token_id?: number | null };
}

export interface TransformersJsOptions extends TextClassifierOptions {
  /**
   * The model folder that transformers.js loaded from (`env.localModelPath` + the model id): the
   * ONNX file is read from it as the session's dtype names it (fp32: onnx/model.onnx, q8:
   * onnx/model_quantized.onnx...). A session does not expose its graph, which gradients are built from.
   */
  readonly folder?: FileLocation;
  /** Or the ONNX model itself (bytes, path or URL), the same file the session was created from. */
  readonly onnxModel?: OnnxModelSource;
}

const DTYPE_SUFFIX: Readonly<Record<string, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** The file transformers.js loads for a dtype: `onnx/model<suffix>.onnx`. */
export function transformersJsModelFile(dtype: string | undefined): string {
  const suffix = DTYPE_SUFFIX[dtype ?? 'fp32'];
  if (suffix === undefined) throw new OptionError(`Unknown transformers.js dtype '${dtype}' (known: ${Object.keys(DTYPE_SUFFIX).join(', ')}).`);
  return `onnx/model${suffix}.onnx`;
}

/**
 * The salience text classifier for a model that transformers.js already loaded: the same session
 * (when it comes from the same onnxruntime module as `ort`), its tokenizer (tokenizer.json as
 * transformers.js read it) and config (id2label, pad_token_id). Gives the same numbers as
 * `loadTextClassifier` on the folder.
 */
export async function fromTransformersJs(ort: OrtModule, loaded: TransformersJsModel, options: TransformersJsOptions = {}): Promise<TextClassifier> {
  const model = loaded?.model;
  // transformers.js models and pipelines are callable: functions with properties
  if (!model || (typeof model !== 'object' && typeof model !== 'function') || !model.sessions) {
    throw new OptionError('fromTransformersJs takes a transformers.js pipeline, or { model, tokenizer } from AutoModelForSequenceClassification / AutoTokenizer.from_pretrained.');
  }
  const session = model.sessions.model;
  const dtype = session?.config?.dtype;
  let bytes: Uint8Array | undefined;
  let file: string | undefined;
  const given = options.onnxModel;
  if (given !== undefined) {
    if (typeof given === 'string' || given instanceof URL) {
      bytes = await readBytesIfExists(given);
      file = String(given);
    } else {
      const b = given instanceof Uint8Array || given instanceof ArrayBuffer ? given : given.bytes;
      bytes = b instanceof Uint8Array ? b : new Uint8Array(b);
    }
  } else if (options.folder !== undefined) {
    const location = joinLocation(options.folder, transformersJsModelFile(dtype));
    bytes = await readBytesIfExists(location);
    file = String(location);
  } else {
    throw new OptionError(
      'fromTransformersJs needs the ONNX file the model was loaded from: pass `folder` (where transformers.js read it: env.localModelPath + the model id) or `onnxModel` (bytes, path or URL). An onnxruntime session does not expose its graph, which salience builds gradients from.',
    );
  }
  if (bytes === undefined) throw new OptionError(`ONNX model not found at '${file}'.`);

  let tokenizerJson: unknown = loaded.tokenizer?._tokenizerJSON;
  let tokenizerConfig: unknown = loaded.tokenizer?._tokenizerConfig;
  if (tokenizerJson === undefined && options.folder !== undefined) {
    tokenizerJson = await readJsonIfExists(joinLocation(options.folder, 'tokenizer.json'));
    tokenizerConfig = await readJsonIfExists(joinLocation(options.folder, 'tokenizer_config.json'));
  }
  if (tokenizerJson === undefined) throw new OptionError('No tokenizer: pass the pipeline (it holds one), { model, tokenizer }, or `folder` with tokenizer.json.');

  // Reuse the session only when it is an InferenceSession of this `ort` (the tensors must be of its kind).
  const reuse = session !== undefined && session instanceof (ort.InferenceSession as unknown as abstract new (...args: never[]) => object);
  return assemble(ort, { bytes, session: reuse ? session : undefined, file, tokenizerJson, tokenizerConfig, config: model.config }, options);
}
