// Runs every Captum case on the current tfjs backend and measures each map against Captum's with
// the parity criterion of salience: max |ours - Captum's| <= tolerance x max |Captum's|, map by map.
import type { TensorData } from '@salience/core';
import { gradient } from '@salience/gradient';
import { type CaptumFixture, compareMaps, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import type * as tfType from '@tensorflow/tfjs';
import { CAPTUM_CASES, type CaptumCase, KNOWN_DIVERGENCES, type KnownDivergence } from './captum-cases.ts';

type Tf = typeof tfType;

export interface CaseResult {
  /** '<model>: <fixture array>'. */
  readonly name: string;
  /** Largest |ours - Captum's| over the maps. */
  readonly maxAbsError: number;
  /** Largest |Captum's| of the map with the worst relative error. */
  readonly mapMax: number;
  /** Largest maxAbsError / max |Captum's| over the maps: what the tolerance bounds. */
  readonly relativeError: number;
  /** Convergence deltas (IG): largest |ours - Captum's| / max(1, largest |F(x) - F(baseline)|). */
  readonly deltaError?: number;
  /** Tensors left behind by the call (tf.memory().numTensors after - before). */
  readonly leaked: number;
  /** Within tolerance (or, for a known divergence, within its bound), no tensor leaked. */
  readonly ok: boolean;
  /** Set for a known divergence: why it misses Captum. */
  readonly known?: string;
  /** A known divergence that now meets the tolerance: its entry can go. */
  readonly knownNowMeets?: boolean;
  /** Why it failed: the worst value, or the error thrown. */
  readonly detail?: string;
}

export interface ParityReport {
  readonly tolerance: number;
  readonly cases: readonly CaseResult[];
  readonly failed: number;
  /** tf.memory().numTensors before the fixture models were built and after they were disposed. */
  readonly tensorsBefore: number;
  readonly tensorsAfter: number;
}

/** F(x) - F(baseline) of each map, from Captum's own map and delta: sum(map) - delta. */
function largestGap(map: TensorData, delta: TensorData): number {
  const size = map.data.length / map.shape[0]!;
  let largest = 0;
  for (let m = 0; m < delta.data.length; m++) {
    let total = 0;
    for (let i = 0; i < size; i++) total += map.data[m * size + i]!;
    largest = Math.max(largest, Math.abs(total - delta.data[m]!));
  }
  return largest;
}

function deltaErrorOf(actual: unknown, fixture: CaptumFixture, c: CaptumCase): number {
  const expected = fixture.cases[c.delta!]!;
  if (!(actual instanceof Float32Array) || actual.length !== expected.data.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected.data[i]!));
  return worst / Math.max(1, largestGap(fixture.cases[c.array]!, expected));
}

async function runCase(
  tf: Tf,
  fixture: CaptumFixture,
  model: ReturnType<typeof fromTfjs>,
  input: TensorData,
  c: CaptumCase,
  tolerance: number,
  known: KnownDivergence | undefined,
): Promise<CaseResult> {
  const name = `${fixture.name}: ${c.array}`;
  const before = tf.memory().numTensors;
  try {
    const result = await c.method.attribute(model, input, { ...c.options(fixture), target: fixture.target });
    const leaked = tf.memory().numTensors - before;
    const expected = c.expected(fixture);
    const comparison = compareMaps(result.values, expected);
    const w = comparison.worst;
    const deltaError = c.delta ? deltaErrorOf(result.meta.delta, fixture, c) : undefined;
    const bound = known?.bound ?? tolerance;
    const ok = comparison.relativeError <= bound && (deltaError === undefined || deltaError <= bound) && leaked === 0;
    const meets = comparison.relativeError <= tolerance && (deltaError === undefined || deltaError <= tolerance);
    return {
      name,
      maxAbsError: comparison.maxAbsError,
      mapMax: w.maxAbsExpected,
      relativeError: comparison.relativeError,
      ...(deltaError !== undefined ? { deltaError } : {}),
      leaked,
      ok,
      ...(known ? { known: known.reason, knownNowMeets: meets } : {}),
      ...(ok ? {} : { detail: `map ${w.map} at [${w.at.join(', ')}]: ${w.actual} vs Captum's ${w.expected}; ${leaked} tensors leaked` }),
    };
  } catch (error) {
    const leaked = tf.memory().numTensors - before;
    return { name, maxAbsError: Number.NaN, mapMax: Number.NaN, relativeError: Number.NaN, leaked, ok: false, detail: String((error as Error)?.stack ?? error) };
  }
}

/** Loads the fixtures, runs every case, prints one line per case as it goes. */
/**
 * `only`: names ('<model>: <array>') must contain one of these strings, when given. The known
 * divergences apply on the webgpu backend only.
 */
export async function captumParity(tf: Tf, tolerance: number, log: (line: string) => void, only?: readonly string[]): Promise<ParityReport> {
  const knownHere = tf.getBackend() === 'webgpu' ? KNOWN_DIVERGENCES : {};
  const tensorsBefore = tf.memory().numTensors;
  const cases: CaseResult[] = [];
  const chosen = (name: string) => !only || only.some((part) => name.includes(part));
  for (const [modelName, allCases] of CAPTUM_CASES) {
    const modelCases = allCases.filter((c) => chosen(`${modelName}: ${c.array}`));
    if (modelCases.length === 0) continue;
    const fixture = await loadCaptumFixture(modelName);
    const net = buildFixtureModel(tf, modelName, fixture.weights);
    const model = fromTfjs(tf, net);
    const input = fixture.input.shape.length === 4 ? nchwToNhwc(fixture.input) : fixture.input;
    try {
      // Warm-up: kernels compiled and whatever tfjs keeps made, so each case's leak check sees only its call.
      await gradient.attribute(model, input, { target: fixture.target });
      for (const c of modelCases) {
        const started = performance.now();
        const r = await runCase(tf, fixture, model, input, c, tolerance, knownHere[`${modelName}: ${c.array}`]);
        cases.push(r);
        const delta = r.deltaError !== undefined ? ` delta ${r.deltaError.toExponential(2)}` : '';
        const status = !r.ok ? 'FAIL' : r.known ? 'known' : 'ok';
        const note = r.known
          ? r.knownNowMeets
            ? '\n     known divergence NOW MEETS the tolerance: drop it from KNOWN_DIVERGENCES'
            : `\n     known divergence (bound ${knownHere[r.name]!.bound}): ${r.known}`
          : '';
        log(
          `${status.padEnd(5)} ${r.name.padEnd(38)} max|err| ${r.maxAbsError.toExponential(2)}  map max ${r.mapMax.toExponential(2)}  ` +
            `rel ${r.relativeError.toExponential(2)}${delta}  leaked ${r.leaked}  ${(performance.now() - started).toFixed(0)} ms${note}${r.detail ? `\n     ${r.detail}` : ''}`,
        );
      }
    } finally {
      model.dispose();
      net.dispose();
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  return { tolerance, cases, failed: cases.filter((c) => !c.ok).length, tensorsBefore, tensorsAfter };
}
