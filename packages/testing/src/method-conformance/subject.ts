import type { Attribution, CommonOptions, Method, Model, SalienceErrorCode, TensorData } from '@salience/core';
import { argmaxRows } from '@salience/core';
import { compareMaps } from '../compare.js';
import { ConformanceError } from '../conformance/subject.js';

/** What the method conformance suite tests: a method, a model it can run on, and a valid batch. */
export interface MethodConformanceSubject<O extends object = object> {
  readonly method: Method<O>;
  /** A model that provides what the method requires, e.g. one of this package's analytic fakes. */
  readonly model: Model;
  /** A valid batch of at least 2 examples for the model. */
  readonly input: TensorData;
  /** Options for every call (keep them small: few samples or steps), merged under the suite's own. */
  readonly options?: O & CommonOptions;
  /** The method draws random numbers: the same seed must repeat a map and another seed change it. */
  readonly seeded?: boolean;
  /** Method options that must be rejected with an OptionError, e.g. `[{ samples: 0 }, { samples: 1.5 }]`. */
  readonly badOptions?: readonly Readonly<Record<string, unknown>>[];
  /** Shape of one map when it is not the input's (e.g. Grad-CAM at the layer's resolution). */
  readonly mapShape?: readonly number[];
  /** Relative tolerance (of each map's max) for maps that must agree: batching, multi-target; default 1e-4. */
  readonly tolerance?: number;
  /** Live framework objects, e.g. `() => tf.memory().numTensors`; enables the leak checks. */
  readonly liveTensors?: () => number;
  readonly teardown?: () => void | Promise<void>;
}

export const DEFAULT_METHOD_TOLERANCE = 1e-4;

/** The layouts an attribution may have and the rank of its values in each. */
export const VALUES_RANK: Readonly<Record<string, number>> = { NCHW: 4, NHWC: 4, NC: 2, NHW: 3, NT: 2, NTD: 3 };

export function fail(message: string): never {
  throw new ConformanceError(message);
}

type Options = Readonly<Record<string, unknown>>;

/** Options as a reader wants to see them in a message: no functions, no signals. */
export function describeOptions(options: Options): string {
  const shown = Object.entries(options)
    .filter(([, v]) => typeof v !== 'function' && !(typeof AbortSignal !== 'undefined' && v instanceof AbortSignal))
    .map(([k, v]) => `${k}: ${ArrayBuffer.isView(v) ? `[${Array.from(v as unknown as ArrayLike<number>).join(', ')}]` : JSON.stringify(v)}`);
  return `{ ${shown.join(', ')} }`;
}

function optionsOf(subject: MethodConformanceSubject, extra: Options): Options {
  return { ...(subject.options as Options | undefined), ...extra };
}

function call(subject: MethodConformanceSubject, model: Model, input: TensorData, options: Options): Promise<Attribution> {
  return subject.method.attribute(model, input, options as CommonOptions);
}

/** One model call as the spy saw it. */
export interface SpiedCall {
  readonly rows: number;
  readonly outputs: readonly string[];
  readonly hasSignal: boolean;
  /** The signal of the call was already aborted when it started. */
  readonly afterAbort: boolean;
  answered: boolean;
}

export interface SpyOptions {
  /** Called as each call starts (index from 0), before it is forwarded: abort from here. */
  readonly onCall?: (index: number) => void;
  /**
   * true (default): reject calls whose signal is already aborted, as a conforming adapter does.
   * false: hide the signal from the model, like a runtime that cannot interrupt its work.
   */
  readonly honourSignal?: boolean;
  /** Declare only these capabilities. */
  readonly capabilities?: ReadonlySet<string>;
}

export interface SpyModel extends Model {
  readonly calls: SpiedCall[];
  /** Times the method called dispose() on the model it was given. */
  disposals: number;
}

/**
 * The subject's model behind a recording wrapper: the suite sees every call a method makes
 * without relying on the model's own counters.
 */
export function spyModel(inner: Model, options: SpyOptions = {}): SpyModel {
  const calls: SpiedCall[] = [];
  const spy: SpyModel = {
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: (options.capabilities ?? inner.capabilities) as Model['capabilities'],
    backwardRules: inner.backwardRules,
    runsFromLayers: inner.runsFromLayers,
    plugin: inner.plugin,
    layers: () => inner.layers(),
    calls,
    disposals: 0,
    async run(request) {
      const record: SpiedCall = {
        rows: request.input?.shape?.[0] ?? 0,
        outputs: [...request.outputs],
        hasSignal: request.signal !== undefined,
        afterAbort: request.signal?.aborted === true,
        answered: false,
      };
      calls.push(record);
      options.onCall?.(calls.length - 1);
      if ((options.honourSignal ?? true) && request.signal?.aborted) {
        throw Object.assign(new Error('Aborted (the conformance spy rejects requests whose signal is aborted).'), { name: 'AbortError', code: 'ABORTED' });
      }
      const missing = request.outputs.filter((o) => !spy.capabilities.has(o));
      if (missing.length > 0) {
        throw Object.assign(new Error(`The model does not provide ${missing.join(', ')}.`), { name: 'CapabilityError', code: 'MISSING_CAPABILITY', missing });
      }
      const result = await inner.run(options.honourSignal === false ? { ...request, signal: undefined } : request);
      record.answered = true;
      return result;
    },
    dispose() {
      spy.disposals++;
    },
  };
  if (inner.randomizedCopy) {
    const copy = inner.randomizedCopy.bind(inner);
    Object.assign(spy, { randomizedCopy: copy });
  }
  return spy;
}

function snapshot(t: TensorData): { data: Float32Array; shape: string } {
  return { data: Float32Array.from(t.data), shape: t.shape.join() };
}

function changed(before: { data: Float32Array; shape: string }, after: TensorData): boolean {
  return after.shape.join() !== before.shape || after.data.length !== before.data.length || after.data.some((v, i) => !Object.is(v, before.data[i]));
}

/** Checks what every attribution must satisfy, whatever the method. */
export function checkAttributionStructure(subject: MethodConformanceSubject, a: Attribution, what: string): void {
  const id = subject.method.id;
  if (typeof a !== 'object' || a === null) fail(`${what}: attribute() resolved to ${String(a)}; it must resolve to an Attribution.`);
  if (a.method !== id) fail(`${what}: attribution.method is ${JSON.stringify(a.method)}; expected the method's id '${id}'.`);
  const v = a.values;
  if (!v || !(v.data instanceof Float32Array)) fail(`${what}: attribution.values must be { data: Float32Array, shape }.`);
  if (!Array.isArray(v.shape) || v.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${what}: attribution.values has an invalid shape ${JSON.stringify(v.shape)}.`);
  const size = v.shape.reduce((p: number, d: number) => p * d, 1);
  if (v.data.length !== size) fail(`${what}: attribution.values has ${v.data.length} values but its shape [${v.shape.join(', ')}] needs ${size}.`);
  if (!(a.layout in VALUES_RANK)) fail(`${what}: attribution.layout is ${JSON.stringify(a.layout)}; expected one of ${Object.keys(VALUES_RANK).join(', ')}.`);
  if (v.shape.length !== VALUES_RANK[a.layout]) {
    fail(`${what}: values of layout '${a.layout}' must have ${VALUES_RANK[a.layout]} dimensions; got shape [${v.shape.join(', ')}].`);
  }
  for (const name of ['examples', 'targets'] as const) {
    if (!(a[name] instanceof Int32Array)) fail(`${what}: attribution.${name} must be an Int32Array; got ${Object.prototype.toString.call(a[name])}.`);
    if (a[name].length !== v.shape[0]) fail(`${what}: attribution.${name} has ${a[name].length} entries for ${v.shape[0]} maps; give one per map.`);
  }
  const rows = subject.input.shape[0]!;
  const stray = a.examples.findIndex((e) => e < 0 || e >= rows);
  if (stray >= 0) fail(`${what}: attribution.examples[${stray}] is ${a.examples[stray]}, not a row of the ${rows}-example input.`);
  if (typeof a.meta !== 'object' || a.meta === null) fail(`${what}: attribution.meta must be an object (parameters used, model calls...).`);
  const bad = v.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) fail(`${what}: value ${bad} of the attribution is ${v.data[bad]}; maps of a valid input must be finite.`);
}

/**
 * Runs the method with the subject's options under `extra` on a spy of the subject's model and
 * checks the result's structure, that the caller's input is untouched, and that the model was not
 * disposed. Fails with the options used when the method rejects.
 */
export async function attributeChecked(
  subject: MethodConformanceSubject,
  extra: Options = {},
  spy: SpyModel = spyModel(subject.model),
): Promise<{ attribution: Attribution; spy: SpyModel }> {
  const options = optionsOf(subject, extra);
  const before = snapshot(subject.input);
  let attribution: Attribution;
  try {
    attribution = await call(subject, spy, subject.input, options);
  } catch (error) {
    const e = error as Error;
    fail(`The method rejected a valid call with options ${describeOptions(options)}: ${e?.name}: ${e?.message}`);
  }
  const what = `attribute(model, input, ${describeOptions(options)})`;
  if (changed(before, subject.input)) fail(`${what} changed the caller's input; a method must not mutate it.`);
  if (spy.disposals > 0) fail(`${what} disposed the model it was given; the caller owns the model.`);
  checkAttributionStructure(subject, attribution, what);
  return { attribution, spy };
}

export type Settled = { ok: true; attribution: Attribution } | { ok: false; error: unknown };

/** Runs the method (options under `extra`) and reports how it settled, without judging. */
export async function settle(subject: MethodConformanceSubject, extra: Options, model: Model = subject.model, input: TensorData = subject.input): Promise<Settled> {
  try {
    return { ok: true, attribution: await call(subject, model, input, optionsOf(subject, extra)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Awaits a call that must fail with the typed error `code` (compared by code, so duplicate installs of core still match). */
export async function expectMethodRejection(
  subject: MethodConformanceSubject,
  extra: Options,
  code: SalienceErrorCode,
  why: string,
  model: Model = subject.model,
  input: TensorData = subject.input,
): Promise<unknown> {
  const outcome = await settle(subject, extra, model, input);
  const options = describeOptions(optionsOf(subject, extra));
  if (outcome.ok) fail(`${why}: attribute(model, input, ${options}) resolved instead of rejecting with code '${code}'.`);
  const e = outcome.error as { code?: unknown; name?: unknown; message?: unknown };
  if (e?.code !== code) {
    fail(`${why}: expected an error with code '${code}' from attribute(model, input, ${options}); got ${String(e?.name)} (code ${String(e?.code)}): ${String(e?.message)}`);
  }
  return outcome.error;
}

export interface MethodBaseline {
  readonly logits: TensorData;
  readonly classes: number;
  readonly predicted: Int32Array;
  /** One class per example, never the predicted one (when there are 2 classes or more). */
  readonly targets: Int32Array;
}

const baselines = new WeakMap<Model, WeakMap<TensorData, MethodBaseline>>();

/** Logits of the subject's input, its predictions, and per-example targets that differ from them. */
export async function methodBaseline(subject: MethodConformanceSubject): Promise<MethodBaseline> {
  const byInput = baselines.get(subject.model) ?? new WeakMap<TensorData, MethodBaseline>();
  baselines.set(subject.model, byInput);
  const known = byInput.get(subject.input);
  if (known) return known;
  const { logits } = await subject.model.run({ input: subject.input, outputs: ['logits'] });
  const classes = logits.shape[1]!;
  const predicted = argmaxRows(logits);
  const targets = Int32Array.from(predicted, (p, r) => (classes > 1 ? (p + 1 + (r % (classes - 1))) % classes : 0));
  const result = { logits, classes, predicted, targets };
  byInput.set(subject.input, result);
  return result;
}

/** Map `index` of an attribution, as a one-map batch. */
export function mapOf(a: Attribution, index: number): TensorData {
  const size = a.values.data.length / Math.max(1, a.values.shape[0]!);
  return { data: a.values.data.subarray(index * size, (index + 1) * size), shape: [1, ...a.values.shape.slice(1)] };
}

/** The first index where two arrays differ bit for bit, or -1 when they are identical. */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

/** Fails unless each map of `actual` is within `tolerance` x its max of the same map of `expected`. */
export function expectSameMaps(actual: TensorData, expected: TensorData, tolerance: number, what: string): void {
  if (actual.shape.join() !== expected.shape.join()) fail(`${what}: maps of shape [${actual.shape.join(', ')}] where [${expected.shape.join(', ')}] was expected.`);
  const c = compareMaps(actual, expected);
  if (c.relativeError <= tolerance) return;
  const w = c.worst;
  fail(
    `${what}: map ${w.map} at [${w.at.join(', ')}] is ${w.actual} where ${w.expected} was expected (error ${c.relativeError.toExponential(2)} of the map's max, allowed ${tolerance}).`,
  );
}

/** Stacks single maps into one batch. */
export function stackMaps(maps: readonly TensorData[]): TensorData {
  const size = maps[0]?.data.length ?? 0;
  const data = new Float32Array(maps.length * size);
  maps.forEach((m, i) => {
    data.set(m.data, i * size);
  });
  return { data, shape: [maps.length, ...(maps[0]?.shape.slice(1) ?? [])] };
}
