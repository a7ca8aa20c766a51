import { createRng, gaussianBlur, type Layout, OptionError, ShapeError, sameShape, sizeOf, type TensorData } from '@salience/core';

/** Blur sigma, in pixels, when a blurred baseline names none. */
export const DEFAULT_BLUR_SIGMA = 5;

/** A Gaussian-blurred copy of each input over its spatial axes. */
export interface BlurBaseline {
  readonly kind: 'blur';
  /** Standard deviation in pixels; default 5. */
  readonly sigma?: number;
}

/** Seeded uniform noise, a fresh draw for each example. */
export interface UniformBaseline {
  readonly kind: 'uniform';
  /** [low, high); default: the smallest and largest value of the input. */
  readonly range?: readonly [number, number];
}

/**
 * One baseline:
 * - 'zero' or a number: that value everywhere;
 * - a tensor: one per example [B, ...], or one for all examples ([1, ...] or without a batch axis);
 * - 'blur' / { kind: 'blur', sigma }: a Gaussian-blurred copy of the input (images only);
 * - 'uniform' / { kind: 'uniform', range }: seeded uniform noise.
 */
export type IntegrationBaseline = 'zero' | number | TensorData | 'blur' | BlurBaseline | 'uniform' | UniformBaseline;

/** k baselines per example drawn from uniform noise, or from the rows of a reference set [N, ...]. */
export interface BaselineSamples {
  readonly samples: number;
  readonly from: 'uniform' | UniformBaseline | TensorData;
}

/** One baseline, or several whose attributions are averaged (expected-gradients style). */
export type Baselines = IntegrationBaseline | readonly IntegrationBaseline[] | BaselineSamples;

/** Resolved baselines: `count` per example, written into a row on demand so none are stored per step. */
export interface BaselineSet {
  readonly count: number;
  /** False when every example shares the same baselines (then `example` is ignored). */
  readonly perExample: boolean;
  /** Writes baseline `index` of `example` into `out` (one row of the input). */
  fill(example: number, index: number, out: Float32Array): void;
  /** A plain summary for `meta`. */
  readonly description: unknown;
}

interface Source {
  readonly perExample: boolean;
  fill(example: number, out: Float32Array): void;
  readonly description: unknown;
}

function isTensor(value: unknown): value is TensorData {
  return typeof value === 'object' && value !== null && 'data' in value && 'shape' in value;
}

function isSamples(value: unknown): value is BaselineSamples {
  return typeof value === 'object' && value !== null && 'samples' in value;
}

/** Turns the `baselines` option into rows, checking every shape and value before any model call. */
export function resolveBaselines(baselines: Baselines, input: TensorData, layout: Layout, seed: number): BaselineSet {
  const context = { input, layout, seed, rowSize: sizeOf(input.shape.slice(1)) };
  if (isSamples(baselines)) return sampledBaselines(baselines, context);
  if (Array.isArray(baselines)) {
    const list = baselines as readonly IntegrationBaseline[];
    if (list.length === 0) throw new OptionError('baselines is an empty list; give at least one baseline, or leave it out for zeros.');
    const sources = list.map((b, i) => singleSource(b, context, i, `baselines[${i}]`));
    return {
      count: sources.length,
      perExample: sources.some((s) => s.perExample),
      fill: (example, index, out) => sources[index]!.fill(example, out),
      description: sources.map((s) => s.description),
    };
  }
  const source = singleSource(baselines as IntegrationBaseline, context, 0, 'baselines');
  return { count: 1, perExample: source.perExample, fill: (example, _index, out) => source.fill(example, out), description: source.description };
}

interface Context {
  readonly input: TensorData;
  readonly layout: Layout;
  readonly seed: number;
  readonly rowSize: number;
}

function singleSource(baseline: IntegrationBaseline, context: Context, stream: number, where: string): Source {
  if (baseline === 'zero') return { perExample: false, fill: (_e, out) => out.fill(0), description: 'zero' };
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new OptionError(`${where} is ${baseline}; a constant baseline must be a finite number.`);
    return { perExample: false, fill: (_e, out) => out.fill(baseline), description: baseline };
  }
  if (isTensor(baseline)) return tensorSource(baseline, context.input, where);
  if (baseline === 'blur' || (typeof baseline === 'object' && baseline !== null && (baseline as BlurBaseline).kind === 'blur')) {
    const sigma = baseline === 'blur' ? DEFAULT_BLUR_SIGMA : ((baseline as BlurBaseline).sigma ?? DEFAULT_BLUR_SIGMA);
    const blurred = gaussianBlur(context.input, context.layout, sigma).data;
    const size = context.rowSize;
    return { perExample: true, fill: (e, out) => out.set(blurred.subarray(e * size, (e + 1) * size)), description: { kind: 'blur', sigma } };
  }
  if (baseline === 'uniform' || (typeof baseline === 'object' && baseline !== null && (baseline as UniformBaseline).kind === 'uniform')) {
    return uniformSource(baseline === 'uniform' ? { kind: 'uniform' } : (baseline as UniformBaseline), context, stream, where);
  }
  throw new OptionError(
    `${where} is ${JSON.stringify(baseline)}; use 'zero', a number, a tensor, 'blur', 'uniform', { kind: 'blur', sigma }, { kind: 'uniform', range }, a list of these, or { samples, from }.`,
  );
}

function tensorSource(baseline: TensorData, input: TensorData, where: string): Source {
  const rest = input.shape.slice(1);
  const batch = input.shape[0];
  const shape = baseline.shape;
  if (!Array.isArray(shape) || !(baseline.data instanceof Float32Array) || baseline.data.length !== sizeOf(shape)) {
    throw new ShapeError(`${where} must be a TensorData with a Float32Array whose length matches its shape.`);
  }
  const shared = sameShape(shape, rest) || sameShape(shape, [1, ...rest]);
  const perExample = !shared && sameShape(shape, input.shape);
  if (!shared && !perExample) {
    throw new ShapeError(
      `${where} has shape [${shape.join(', ')}]; give one baseline per example [${[batch, ...rest].join(', ')}], or one for all [1, ${rest.join(', ')}] or [${rest.join(', ')}].`,
    );
  }
  checkFinite(baseline.data, where);
  const size = sizeOf(rest);
  const data = baseline.data;
  return {
    perExample,
    fill: perExample ? (e, out) => out.set(data.subarray(e * size, (e + 1) * size)) : (_e, out) => out.set(data),
    description: { kind: 'tensor', shape: [...shape] },
  };
}

function checkFinite(data: Float32Array, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ShapeError(`${where} value ${i} is ${data[i]}; baselines must be finite numbers.`);
  }
}

function uniformSource(baseline: UniformBaseline, context: Context, stream: number, where: string): Source {
  const [low, high] = baseline.range ?? valueRange(context.input.data);
  if (baseline.range !== undefined && !(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new OptionError(`${where}.range is [${baseline.range}]; give finite [low, high] with low < high.`);
  }
  return {
    perExample: true,
    fill: (e, out) => createRng(streamSeed(context.seed, e, stream)).fillUniform(out, low, high),
    description: { kind: 'uniform', range: [low, high] },
  };
}

function valueRange(data: Float32Array): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of data) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

/** A seed for each (example, baseline) noise stream, so a row can be regenerated alone. */
function streamSeed(seed: number, example: number, stream: number): number {
  let h = Math.imul((Math.floor(seed) | 0) ^ 0x811c9dc5, 0x01000193);
  h = Math.imul(h ^ example, 0x01000193);
  h = Math.imul(h ^ stream, 0x01000193);
  return h >>> 0;
}

function sampledBaselines(spec: BaselineSamples, context: Context): BaselineSet {
  const { samples, from } = spec;
  if (!Number.isInteger(samples) || samples < 1) throw new OptionError(`baselines.samples must be a positive integer; got ${samples}.`);
  if (isTensor(from)) return referenceSamples(from, samples, context);
  if (from !== 'uniform' && (typeof from !== 'object' || from === null || (from as UniformBaseline).kind !== 'uniform')) {
    throw new OptionError(`baselines.from is ${JSON.stringify(from)}; use 'uniform', { kind: 'uniform', range }, or a tensor of reference rows [N, ...].`);
  }
  const sources = Array.from({ length: samples }, (_, k) => uniformSource(from === 'uniform' ? { kind: 'uniform' } : (from as UniformBaseline), context, k, 'baselines.from'));
  return {
    count: samples,
    perExample: true,
    fill: (example, index, out) => sources[index]!.fill(example, out),
    description: { samples, from: sources[0]!.description },
  };
}

/** `samples` rows per example drawn with replacement (seeded) from a reference set [N, ...]. */
function referenceSamples(pool: TensorData, samples: number, context: Context): BaselineSet {
  const rest = context.input.shape.slice(1);
  if (pool.shape.length !== rest.length + 1 || !sameShape(pool.shape.slice(1), rest) || pool.shape[0]! < 1 || pool.data.length !== sizeOf(pool.shape)) {
    throw new ShapeError(`baselines.from has shape [${pool.shape.join(', ')}]; reference rows must be [N, ${rest.join(', ')}] with N >= 1.`);
  }
  checkFinite(pool.data, 'baselines.from');
  const batch = context.input.shape[0]!;
  const rng = createRng(context.seed);
  const picks = new Int32Array(batch * samples);
  for (let i = 0; i < picks.length; i++) picks[i] = rng.int(pool.shape[0]!);
  const size = context.rowSize;
  return {
    count: samples,
    perExample: true,
    fill: (example, index, out) => {
      const r = picks[example * samples + index]!;
      out.set(pool.data.subarray(r * size, (r + 1) * size));
    },
    description: { samples, from: { kind: 'reference', rows: pool.shape[0] } },
  };
}
