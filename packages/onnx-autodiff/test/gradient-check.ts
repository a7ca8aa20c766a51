/**
 * Test support: builds small ONNX models, runs them in onnxruntime-node, and checks the gradients
 * of `addGradients` against central finite differences of sum(seed * y).
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { addGradients, type CustomGradient, type ModelGraph } from '../src/index.js';

export type Feed = { data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array; shape: readonly number[] };

/** Seeded uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomOptions {
  readonly min?: number;
  readonly max?: number;
  /** Keep every value at least this far from each of these points (kinks of the op). */
  readonly avoid?: readonly number[];
  readonly margin?: number;
}

export function randomFeed(random: () => number, shape: readonly number[], options: RandomOptions = {}): Feed {
  const { min = -1, max = 1, avoid = [], margin = 0.05 } = options;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let v: number;
    do v = min + (max - min) * random();
    while (avoid.some((p) => Math.abs(v - p) < margin));
    data[i] = v;
  }
  return { data, shape };
}

/** Distinct values (no ties), shuffled: for max-like ops. */
export function distinctFeed(random: () => number, shape: readonly number[], spacing = 0.05): Feed {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: count }, (_, i) => (i - count / 2) * spacing);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return { data: Float32Array.from(values), shape };
}

const TYPE_OF = (data: Feed['data']): ort.Tensor.Type =>
  data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64' : data instanceof Int32Array ? 'int32' : 'bool';

export function toTensors(feeds: Readonly<Record<string, Feed>>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) out[name] = new ort.Tensor(TYPE_OF(feed.data), feed.data, [...feed.shape]);
  return out;
}

export async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

export interface CheckOptions {
  readonly of: string;
  readonly wrt: readonly string[];
  readonly feeds: Readonly<Record<string, Feed>>;
  /** Finite-difference step. Default 1e-2 (float32: smaller steps drown in rounding). */
  readonly step?: number;
  readonly rtol?: number;
  readonly atol?: number;
  readonly seed?: number;
  readonly customGradients?: readonly CustomGradient[];
  readonly maxPoolTies?: 'first' | 'split';
  readonly clipBounds?: 'exclusive' | 'inclusive';
}

/** Runs the gradient graph and central differences, and expects them to agree. Returns the gradients. */
export async function expectGradientsMatch(graph: ModelGraph, options: CheckOptions): Promise<Record<string, Float32Array>> {
  const { of, wrt, feeds, step = 1e-2, rtol = 5e-3, atol = 5e-4, seed = 7 } = options;
  const forwardGraph = graph.fork();
  forwardGraph.addOutput(of);
  const forward = await createSession(forwardGraph.toBytes());
  const base = toTensors(feeds);
  const y = (await forward.run(base))[of]!;
  const random = rng(seed);
  const seedData = Float32Array.from({ length: y.data.length }, () => random() * 2 - 1);

  const built = addGradients(graph, {
    of,
    wrt,
    seed: 'ad_seed',
    customGradients: options.customGradients,
    maxPoolTies: options.maxPoolTies,
    clipBounds: options.clipBounds,
  });
  const session = await createSession(built.model);
  const results = await session.run({ ...base, ad_seed: new ort.Tensor('float32', seedData, y.dims) });

  const objective = async (tensors: Record<string, ort.Tensor>) => {
    const out = (await forward.run(tensors))[of]!.data as Float32Array;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += seedData[i]! * out[i]!;
    return sum;
  };
  const gradients: Record<string, Float32Array> = {};
  for (const name of wrt) {
    const analytic = results[built.gradients[name]!]!;
    expect(analytic.dims).toEqual([...feeds[name]!.shape]);
    const value = feeds[name]!.data as Float32Array;
    const numeric = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const original = value[i]!;
      const shifted = Float32Array.from(value);
      shifted[i] = original + step;
      const plus = await objective({ ...base, [name]: new ort.Tensor('float32', shifted, [...feeds[name]!.shape]) });
      shifted[i] = original - step;
      const minus = await objective({ ...base, [name]: new ort.Tensor('float32', shifted, [...feeds[name]!.shape]) });
      numeric[i] = (plus - minus) / (2 * step);
    }
    const got = analytic.data as Float32Array;
    const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - numeric[i]!)), 0);
    if (worst > atol + rtol * scale) {
      const order = Array.from(got.keys()).sort((a, b) => Math.abs(got[b]! - numeric[b]!) - Math.abs(got[a]! - numeric[a]!));
      const rows = order.slice(0, 8).map((i) => `[${i}] ${got[i]!.toFixed(5)} vs ${numeric[i]!.toFixed(5)}`);
      throw new Error(`gradient w.r.t. '${name}' differs from finite differences by ${worst} (scale ${scale}):\n${rows.join('\n')}`);
    }
    expect(scale).toBeGreaterThan(0);
    gradients[name] = got;
  }
  await forward.release();
  await session.release();
  return gradients;
}
