import {
  type CommonOptions,
  checkInput,
  defaultBatchSize,
  logitsInBatches,
  type Method,
  type Model,
  OptionError,
  rowSize,
  TargetError,
  type TensorData,
  throwIfAborted,
} from '@salience/core';
import { inputToImage, type RgbaImage, resizeImage } from '@salience/render';
import { toMaps2d } from '@salience/sanity-checks/metrics';
import { DEFAULT_THUMBNAIL_SIDE, type ExampleMap, summariseMap, thumbnailSize } from './example-map.js';
import { defaultRegions, type Region } from './regions.js';

/** A method as an audit runs it: a name for the report, the method, and its options. */
export interface AuditMethod {
  readonly name: string;
  readonly method: Method;
  readonly options?: object;
}

/** Who an example is and what one model said of it. */
export interface ExampleFacts {
  /** Position of the example in its dataset. */
  readonly index: number;
  readonly name: string;
  /** The true class; null when the dataset has no labels. */
  readonly label: number | null;
  readonly predicted: number;
  /** Softmax probability of the predicted class. */
  readonly probability: number;
  /** The class the maps explain. */
  readonly target: number;
  /** A small picture of the input, the size of the thumbnails (absent for inputs that are not images). */
  readonly image?: RgbaImage;
}

/** What an audit keeps of one example for one model. */
export interface AuditRecord extends ExampleFacts {
  /** One summary per method, by method name. */
  readonly maps: Readonly<Record<string, ExampleMap>>;
}

/** An example to audit: its name and true class, if known. */
export interface AuditExample {
  readonly name: string;
  readonly label?: number | null;
}

export interface AuditBatchOptions extends Pick<CommonOptions, 'objective' | 'batchSize' | 'seed' | 'signal'> {
  /** Which class the maps explain: the model's prediction (default) or the true label. */
  readonly explain?: 'predicted' | 'label';
  /** Regions to measure for maps of a given size; default the four corners and the border band. */
  readonly regions?: (height: number, width: number) => readonly Region[];
  /** Longest side of the kept thumbnails; default 64. */
  readonly thumbnailSide?: number;
  /** Pictures of the inputs (as loaded, before normalisation); default drawn from the input tensor in [0, 1]. */
  readonly images?: readonly (RgbaImage | undefined)[];
  /** Index of the first example in its dataset; default 0. */
  readonly firstIndex?: number;
  /** Called as the methods progress: method name, then its own done / total. */
  readonly onProgress?: (method: string, done: number, total: number) => void;
}

export interface AuditBatchResult {
  readonly records: AuditRecord[];
  /** Milliseconds spent in each method. */
  readonly timeMs: Readonly<Record<string, number>>;
}

const IMAGE_LAYOUTS = new Set(['NCHW', 'NHWC']);

function softmaxRows(logits: TensorData): { predicted: Int32Array; probability: Float64Array } {
  const [rows, classes] = logits.shape as [number, number];
  const predicted = new Int32Array(rows);
  const probability = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = logits.data.subarray(r * classes, (r + 1) * classes);
    let best = 0;
    for (let c = 1; c < classes; c++) if (row[c]! > row[best]!) best = c;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c]! - row[best]!);
    predicted[r] = best;
    probability[r] = 1 / sum;
  }
  return { predicted, probability };
}

function pictureOf(input: TensorData, model: Model, row: number, given: RgbaImage | undefined, side: number): RgbaImage | undefined {
  let image = given;
  if (!image) {
    if (!IMAGE_LAYOUTS.has(model.layout)) return undefined;
    const channels = model.layout === 'NCHW' ? input.shape[1] : input.shape[3];
    if (channels !== 1 && channels !== 3 && channels !== 4) return undefined;
    image = inputToImage(input, model.layout as 'NCHW' | 'NHWC', { example: row });
  }
  const size = thumbnailSize(image.height, image.width, side);
  return size.factor === 1 ? image : resizeImage(image, size.width, size.height, 'bilinear');
}

/**
 * Audits one batch of examples: the model's predictions, then every method on every example
 * (each method batches its own model calls), each map reduced to an `ExampleMap`. Only the
 * summaries are kept, so a dataset can be audited batch by batch in bounded memory.
 */
export async function auditBatch(
  model: Model,
  methods: readonly AuditMethod[],
  input: TensorData,
  examples: readonly AuditExample[],
  options: AuditBatchOptions = {},
): Promise<AuditBatchResult> {
  checkInput(model, input);
  const rows = input.shape[0];
  if (examples.length !== rows) throw new OptionError(`auditBatch got ${rows} input rows but ${examples.length} examples.`);
  if (methods.length === 0) throw new OptionError('auditBatch needs at least one method.');
  const names = new Set<string>();
  for (const m of methods) {
    if (names.has(m.name)) throw new OptionError(`Two audit methods are named '${m.name}'; give each a different name.`);
    names.add(m.name);
  }
  const { signal } = options;
  const explain = options.explain ?? 'predicted';
  const side = options.thumbnailSide ?? DEFAULT_THUMBNAIL_SIDE;
  if (!(Number.isInteger(side) && side >= 1)) throw new OptionError(`thumbnailSide must be a positive integer; got ${side}.`);
  const regionsFor = options.regions ?? defaultRegions;
  const batchSize = options.batchSize ?? defaultBatchSize(rowSize(input));

  const logits = await logitsInBatches(model, input, batchSize, signal);
  const classes = logits.shape[1]!;
  const { predicted, probability } = softmaxRows(logits);
  const labels = examples.map((e) => (e.label === undefined || e.label === null ? null : e.label));
  for (const [i, label] of labels.entries()) {
    if (label !== null && !(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new TargetError(`Example ${examples[i]!.name} has label ${label}; the model has classes 0..${classes - 1}.`);
    }
  }
  const targets = Array.from(predicted, (p, i) => {
    if (explain === 'predicted') return p;
    const label = labels[i]!;
    if (label === null) throw new TargetError(`Explaining the true class needs a label for every example; ${examples[i]!.name} has none.`);
    return label;
  });

  const maps: Record<string, ExampleMap>[] = Array.from({ length: rows }, () => ({}));
  const timeMs: Record<string, number> = {};
  const regionCache = new Map<string, readonly Region[]>();
  for (const entry of methods) {
    throwIfAborted(signal);
    const started = performance.now();
    const attribution = await entry.method.attribute(model, input, {
      ...entry.options,
      target: targets,
      objective: options.objective,
      batchSize: options.batchSize,
      seed: options.seed,
      signal,
      onProgress: options.onProgress ? (done: number, total: number) => options.onProgress?.(entry.name, done, total) : undefined,
    });
    const reduced = toMaps2d(attribution);
    const key = `${reduced.height}x${reduced.width}`;
    if (!regionCache.has(key)) regionCache.set(key, regionsFor(reduced.height, reduced.width));
    const regions = regionCache.get(key)!;
    const positions = reduced.height * reduced.width;
    for (let m = 0; m < reduced.count; m++) {
      const row = attribution.examples[m]!;
      maps[row]![entry.name] = summariseMap(reduced.absolute.subarray(m * positions, (m + 1) * positions), reduced.height, reduced.width, regions, side);
    }
    timeMs[entry.name] = performance.now() - started;
  }

  const records = Array.from({ length: rows }, (_, r): AuditRecord => {
    const image = pictureOf(input, model, r, options.images?.[r], side);
    return {
      index: (options.firstIndex ?? 0) + r,
      name: examples[r]!.name,
      label: labels[r]!,
      predicted: predicted[r]!,
      probability: probability[r]!,
      target: targets[r]!,
      ...(image ? { image } : {}),
      maps: maps[r]!,
    };
  });
  return { records, timeMs };
}
