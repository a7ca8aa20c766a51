import type { Model, ModelOutputs, ModelRequest, OutputName, SalienceErrorCode, TensorData } from '@salience/core';
import { argmaxRows } from '@salience/core';

/** What the conformance suite tests: a model and a valid batch for it. */
export interface ConformanceSubject {
  readonly model: Model;
  /** A valid batch of at least 3 examples (token ids as floats for token models). */
  readonly input: TensorData;
  /** A layer whose activations and gradients are tested; without it no layer-output tests are registered. */
  readonly layer?: string;
  /**
   * Set when every path from the input to the logits goes through `layer` (a plain CNN's conv layers):
   * the layer gradients are then also checked against finite differences.
   */
  readonly layerIsCut?: boolean;
  /** Live framework objects, e.g. `() => tf.memory().numTensors`; enables the leak checks. */
  readonly liveTensors?: () => number;
  /** Relative tolerance of the finite-difference gradient checks; default 1e-2. */
  readonly gradientTolerance?: number;
  readonly teardown?: () => void | Promise<void>;
}

/** A conformance check failed: the message says what was asked, what came back, and what was expected. */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

export function fail(message: string): never {
  throw new ConformanceError(message);
}

/** Every output of the core contract, in the order the suite tests them. */
export { KNOWN_OUTPUTS } from '@salience/core';

export const DEFAULT_GRADIENT_TOLERANCE = 1e-2;
/** Relative difference allowed between the same rows computed in batches of different sizes. */
export const BATCH_TOLERANCE = 1e-4;

export function has(subject: ConformanceSubject, output: OutputName): boolean {
  return subject.model.capabilities.has(output);
}

export function rowsOf(t: TensorData): number {
  return t.shape[0]!;
}

export function describeRequest(request: ModelRequest): string {
  const parts = [`outputs [${request.outputs.join(', ')}]`, `input [${request.input.shape.join(', ')}]`];
  if (request.target !== undefined) {
    const t = request.target;
    parts.push(`target ${typeof t === 'string' || typeof t === 'number' ? JSON.stringify(t) : `[${Array.from(t).join(', ')}]`}`);
  }
  if (request.objective !== undefined) parts.push(`objective ${typeof request.objective === 'string' ? request.objective : request.objective.kind}`);
  if (request.layer !== undefined) parts.push(`layer '${request.layer}'`);
  if (request.embeddings !== undefined) parts.push(`embeddings [${request.embeddings.shape.join(', ')}]`);
  if (request.layerActivations !== undefined) parts.push(`layerActivations [${request.layerActivations.shape.join(', ')}]`);
  return `{ ${parts.join(', ')} }`;
}

function snapshot(t: TensorData | undefined): { data: Float32Array; shape: number[] } | undefined {
  return t && { data: Float32Array.from(t.data), shape: [...t.shape] };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return false;
  return true;
}

function checkUnchanged(before: ReturnType<typeof snapshot>, after: TensorData | undefined, what: string, request: ModelRequest): void {
  if (!before || !after) return;
  if (!sameBits(before.data, after.data) || before.shape.join() !== after.shape.join()) {
    fail(`The model changed the caller's ${what} while answering ${describeRequest(request)}; it must not mutate its inputs.`);
  }
}

/**
 * Runs a request and checks what every answer must satisfy: each requested output present as a
 * Float32Array whose length fits its shape, and the caller's input, embeddings and labels untouched.
 */
export async function runChecked<K extends OutputName>(model: Model, request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
  const labels = typeof request.objective === 'object' ? request.objective.labels : undefined;
  const before = { input: snapshot(request.input), embeddings: snapshot(request.embeddings), layerActivations: snapshot(request.layerActivations), labels: snapshot(labels) };
  let result: Pick<ModelOutputs, K>;
  try {
    result = await model.run(request);
  } catch (error) {
    const e = error as Error;
    fail(`The model rejected the valid request ${describeRequest(request)}: ${e?.name}: ${e?.message}`);
  }
  checkUnchanged(before.input, request.input, 'input', request);
  checkUnchanged(before.embeddings, request.embeddings, 'request.embeddings', request);
  checkUnchanged(before.layerActivations, request.layerActivations, 'request.layerActivations', request);
  checkUnchanged(before.labels, labels, 'cross-entropy labels', request);
  for (const name of request.outputs) {
    const out = (result as Partial<ModelOutputs>)?.[name];
    if (!out) fail(`The answer to ${describeRequest(request)} has no '${name}'.`);
    if (!(out.data instanceof Float32Array)) fail(`'${name}' must hold a Float32Array; got ${Object.prototype.toString.call(out.data)}.`);
    if (!Array.isArray(out.shape) || out.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail(`'${name}' has an invalid shape ${JSON.stringify(out.shape)}.`);
    }
    const size = out.shape.reduce((a: number, b: number) => a * b, 1);
    if (out.data.length !== size) fail(`'${name}' has ${out.data.length} values but its shape [${out.shape.join(', ')}] needs ${size}.`);
  }
  return result;
}

/** Awaits a request that must fail with the typed error `code` (compared by code, so duplicate installs of core still match). */
export async function expectRejection(model: Model, request: ModelRequest, code: SalienceErrorCode, why: string): Promise<unknown> {
  let result: unknown;
  try {
    result = await model.run(request);
  } catch (error) {
    const e = error as { code?: unknown; name?: unknown; message?: unknown };
    if (e?.code !== code) {
      fail(`${why}: expected an error with code '${code}' for ${describeRequest(request)}; got ${String(e?.name)} (code ${String(e?.code)}): ${String(e?.message)}`);
    }
    return error;
  }
  void result;
  return fail(`${why}: ${describeRequest(request)} was answered instead of rejected with code '${code}'.`);
}

/** Logits of the subject's input and targets that differ from the prediction and from row to row. */
export async function baseline(subject: ConformanceSubject): Promise<{ logits: TensorData; classes: number; predicted: Int32Array; targets: Int32Array }> {
  const { logits } = await runChecked(subject.model, { input: subject.input, outputs: ['logits'] });
  const classes = logits.shape[1]!;
  const predicted = argmaxRows(logits);
  const targets = Int32Array.from(predicted, (p, r) => (classes > 1 ? (p + 1 + (r % (classes - 1))) % classes : 0));
  return { logits, classes: classes!, predicted, targets };
}

/** Rows `start..end` of a tensor as a copy. */
export function rows(t: TensorData, start: number, end: number): TensorData {
  const size = t.data.length / t.shape[0]!;
  return { data: t.data.slice(start * size, end * size), shape: [end - start, ...t.shape.slice(1)] };
}

/** `t`'s rows, each repeated `times` times in place (row 0 x times, row 1 x times...). */
export function repeatRows(t: TensorData, times: number): TensorData {
  const n = t.shape[0]!;
  const size = t.data.length / n;
  const out = new Float32Array(t.data.length * times);
  for (let r = 0; r < n; r++) for (let k = 0; k < times; k++) out.set(t.data.subarray(r * size, (r + 1) * size), (r * times + k) * size);
  return { data: out, shape: [n * times, ...t.shape.slice(1)] };
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}
