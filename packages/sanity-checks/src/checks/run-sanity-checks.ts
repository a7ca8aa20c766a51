import type { Attribution, CommonOptions, Model, TensorData } from '@salience/core';
import { argmaxRows, checkBatchSize, checkInput, defaultBatchSize, logitsInBatches, OptionError, rowSize, ShapeError, TargetError, throwIfAborted } from '@salience/core';
import type { InfidelityOptions } from '../metrics/infidelity.js';
import { infidelity } from '../metrics/infidelity.js';
import type { LocalizationOptions } from '../metrics/localization.js';
import { localization } from '../metrics/localization.js';
import type { Similarity, SimilarityOptions } from '../metrics/map-similarity.js';
import { checkTopKFraction, SIMILARITY_MEASURES } from '../metrics/map-similarity.js';
import type { Maps2d } from '../metrics/maps.js';
import { checkMapsFit, inputGrid, toMaps2d } from '../metrics/maps.js';
import type { PerturbationOptions } from '../metrics/perturbation-curves.js';
import { perturbationCurves } from '../metrics/perturbation-curves.js';
import type { SensitivityMaxOptions } from '../metrics/sensitivity-max.js';
import { sensitivityMax } from '../metrics/sensitivity-max.js';
import type { LabelRandomizationOptions } from './label-randomization.js';
import { runLabelRandomization } from './label-randomization.js';
import type { MethodSpec } from './method-entry.js';
import { mapsOf, resolveEntries } from './method-entry.js';
import type { ParameterRandomizationOptions } from './parameter-randomization.js';
import { randomizationLayers, runParameterRandomization } from './parameter-randomization.js';
import type { CheckName, CheckVerdict, MethodReport, SanityReport } from './report.js';
import { CHECKS } from './report.js';
import { deletionVerdict, measureVerdict, pointingVerdict, scoreVerdict } from './verdicts.js';

/** The examples to explain, and what some checks need besides. */
export interface SanityData {
  /** The examples, in the model's layout. */
  readonly input: TensorData;
  /** The true class of each example: the default targets, and the accuracies of label randomisation. */
  readonly labels?: ArrayLike<number>;
  /** Ground-truth evidence, [examples, H, W], nonzero inside: enables localisation. */
  readonly masks?: TensorData;
  /** Training data for label randomisation (the trainer's examples, and their true labels). */
  readonly training?: { readonly input: TensorData; readonly labels: ArrayLike<number> };
}

export interface SanityProgress {
  readonly check: CheckName | 'maps';
  readonly method?: string;
  readonly done: number;
  readonly total: number;
}

export interface SanityCheckOptions {
  /** Which checks to run; default every check whose needs are met (the others are listed in `skipped`). Naming one whose needs are not met is an error. */
  readonly checks?: readonly CheckName[];
  /** 'labels' (the default when `data.labels` is given), 'predicted' (else), a class, or one class per example. */
  readonly target?: 'labels' | 'predicted' | number | ArrayLike<number>;
  /** Most rows per model call, for the checks and for the methods. */
  readonly batchSize?: number;
  /** Seed of every random draw; default 0. Also passed to the methods. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SanityProgress) => void;
  /** Options of the map comparisons (top-k share). */
  readonly similarity?: SimilarityOptions;
  readonly parameterRandomization?: ParameterRandomizationOptions;
  readonly labelRandomization?: LabelRandomizationOptions;
  readonly deletion?: PerturbationOptions & {
    /** Most-relevant-first must be below random and least-relevant-first by at least this much (in units of the score times the fraction); default 0.05. */
    readonly margin?: number;
  };
  readonly infidelity?: InfidelityOptions & {
    /** Turns infidelity into a pass/fail check: passes at or below this mean. */
    readonly threshold?: number;
  };
  readonly maxSensitivity?: Omit<SensitivityMaxOptions, 'methodOptions' | 'attribution' | 'target'> & {
    /** Turns max-sensitivity into a pass/fail check: passes at or below this mean. */
    readonly threshold?: number;
  };
  readonly localization?: LocalizationOptions & {
    /** Passes at or above this pointing-game hit rate; default 0.9. */
    readonly minHitRate?: number;
  };
}

/** Default thresholds, named in the verdicts. */
export const DEFAULT_MAX_SIMILARITY = 0.6;
export const DEFAULT_DELETION_MARGIN = 0.05;
export const DEFAULT_MIN_HIT_RATE = 0.9;

function checkMeasure(measure: keyof Similarity | undefined): keyof Similarity {
  const m = measure ?? 'spearmanAbs';
  if (!SIMILARITY_MEASURES.includes(m)) throw new OptionError(`measure must be one of ${SIMILARITY_MEASURES.join(', ')}; got ${JSON.stringify(m)}.`);
  return m;
}

function checkThreshold(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v)) throw new OptionError(`${name} must be a finite number; got ${v}.`);
  return v;
}

function checkLabels(labels: ArrayLike<number>, rows: number, what: string): void {
  if (labels.length !== rows) throw new ShapeError(`${what} has ${labels.length} labels for ${rows} examples; give one class per example.`);
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i]! < 0) throw new TargetError(`${what}[${i}] is ${labels[i]}; labels are class indices.`);
  }
}

/** The checks to run, and why the others are not. */
function chooseChecks(model: Model, data: SanityData, options: SanityCheckOptions): { run: CheckName[]; skipped: { check: CheckName; reason: string }[] } {
  const unmet = (check: CheckName): string | undefined => {
    switch (check) {
      case 'parameter-randomization':
        return typeof model.randomizedCopy === 'function' ? undefined : 'the model cannot make randomised copies (its adapter has no randomizedCopy)';
      case 'label-randomization':
        if (!options.labelRandomization?.trainer) return 'no labelRandomization.trainer was given';
        return data.training ? undefined : 'no data.training was given';
      case 'localization':
        return data.masks ? undefined : 'no data.masks were given';
      case 'deletion':
      case 'infidelity':
      case 'max-sensitivity':
        return model.layout === 'tokens' ? 'token ids cannot be perturbed' : undefined;
    }
  };
  if (options.checks !== undefined) {
    const unknown = options.checks.filter((c) => !CHECKS.includes(c));
    if (unknown.length > 0) throw new OptionError(`Unknown checks ${unknown.join(', ')}; the checks are ${CHECKS.join(', ')}.`);
    for (const check of options.checks) {
      const reason = unmet(check);
      if (reason) throw new OptionError(`The '${check}' check cannot run: ${reason}.`);
    }
    return { run: CHECKS.filter((c) => options.checks!.includes(c)), skipped: [] };
  }
  const run: CheckName[] = [];
  const skipped: { check: CheckName; reason: string }[] = [];
  for (const check of CHECKS) {
    const reason = unmet(check);
    if (reason) skipped.push({ check, reason });
    else run.push(check);
  }
  return { run, skipped };
}

async function resolveReportTargets(
  model: Model,
  data: SanityData,
  options: SanityCheckOptions,
  batchSize: number | undefined,
): Promise<{ targets: Int32Array; source: SanityReport['targetSource'] }> {
  const rows = data.input.shape[0]!;
  const target = options.target ?? (data.labels ? 'labels' : 'predicted');
  if (target === 'labels') {
    if (!data.labels) throw new OptionError("target 'labels' needs data.labels.");
    return { targets: Int32Array.from(data.labels), source: 'labels' };
  }
  if (target === 'predicted') {
    const logits = await logitsInBatches(model, data.input, batchSize ?? defaultBatchSize(rowSize(data.input)), options.signal);
    return { targets: argmaxRows(logits), source: 'predicted' };
  }
  if (typeof target === 'number') {
    checkLabels([target], 1, 'target');
    return { targets: new Int32Array(rows).fill(target), source: 'given' };
  }
  checkLabels(target, rows, 'target');
  return { targets: Int32Array.from(target), source: 'given' };
}

/**
 * Runs the sanity checks and faithfulness metrics on every method and returns one structured
 * report: the numbers, and a pass/fail verdict with its threshold for every (method, check).
 * Every method explains every example once for one class (the example's label by default); the
 * checks reuse those maps. Model calls are batched (at most `batchSize` rows), randomised copies
 * and trained models are disposed, and an abort stops the work between model calls.
 */
export async function runSanityChecks(model: Model, methods: readonly MethodSpec[], data: SanityData, options: SanityCheckOptions = {}): Promise<SanityReport> {
  const entries = resolveEntries(methods);
  if (!data || typeof data !== 'object' || !data.input) throw new OptionError('data must be { input, labels?, masks?, training? }.');
  checkInput(model, data.input);
  const rows = data.input.shape[0]!;
  if (data.labels) checkLabels(data.labels, rows, 'data.labels');
  const batchSize = options.batchSize === undefined ? undefined : checkBatchSize(options.batchSize);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new OptionError(`seed must be an integer; got ${seed}.`);
  checkTopKFraction(options.similarity?.topKFraction);
  const paramMeasure = checkMeasure(options.parameterRandomization?.measure);
  const labelMeasure = checkMeasure(options.labelRandomization?.measure);
  const paramMax = checkThreshold(options.parameterRandomization?.maxSimilarity, DEFAULT_MAX_SIMILARITY, 'parameterRandomization.maxSimilarity');
  const labelMax = checkThreshold(options.labelRandomization?.maxSimilarity, DEFAULT_MAX_SIMILARITY, 'labelRandomization.maxSimilarity');
  const margin = checkThreshold(options.deletion?.margin, DEFAULT_DELETION_MARGIN, 'deletion.margin');
  const minHitRate = checkThreshold(options.localization?.minHitRate, DEFAULT_MIN_HIT_RATE, 'localization.minHitRate');
  const { run, skipped } = chooseChecks(model, data, options);
  const grid = run.some((c) => c === 'deletion' || c === 'localization') ? inputGrid(data.input, model.layout, 'The deletion check') : undefined;
  if (run.includes('localization')) {
    const masks = data.masks!;
    if (masks.shape.length !== 3 || masks.shape[0] !== rows || masks.data.length !== rows * masks.shape[1]! * masks.shape[2]!) {
      throw new ShapeError(`data.masks has shape [${masks.shape.join(', ')}]; expected [${rows}, H, W].`);
    }
  }
  const layers = run.includes('parameter-randomization') ? randomizationLayers(model, options.parameterRandomization?.layers) : [];
  const progress = options.onProgress;
  const common: CommonOptions = { seed, signal: options.signal, ...(batchSize !== undefined ? { batchSize } : {}) };

  const { targets, source } = await resolveReportTargets(model, data, options, batchSize);
  const attributions: Attribution[] = [];
  const maps: Maps2d[] = [];
  for (const [m, entry] of entries.entries()) {
    const attribution = await mapsOf(entry, model, data.input, targets, common);
    attributions.push(attribution);
    maps.push(toMaps2d(attribution));
    progress?.({ check: 'maps', method: entry.name, done: m + 1, total: entries.length });
  }
  const reports: { -readonly [K in keyof MethodReport]: MethodReport[K] }[] = entries.map((e) => ({ name: e.name, methodId: e.method.id }));

  if (run.includes('parameter-randomization')) {
    const runs = await runParameterRandomization(model, entries, maps, data.input, targets, layers, {
      modes: options.parameterRandomization?.modes,
      seed,
      similarity: options.similarity,
      common,
      onStep: (done, total) => progress?.({ check: 'parameter-randomization', done, total }),
    });
    runs.forEach((r, m) => {
      const verdict = measureVerdict('parameter-randomization', entries[m]!.name, r.full, paramMeasure, paramMax, `every one of the ${layers.length} layers randomised`);
      reports[m]!.parameterRandomization = { layers, cascading: r.cascading, independent: r.independent, full: r.full, verdict };
    });
  }

  if (run.includes('label-randomization')) {
    const label = options.labelRandomization!;
    const runs = await runLabelRandomization(model, entries, maps, data.input, targets, data.training!, {
      ...label,
      seed,
      labels: data.labels,
      similarity: options.similarity,
      common,
    });
    progress?.({ check: 'label-randomization', done: 1, total: 1 });
    runs.forEach((r, m) => {
      const reference = label.reference ?? 'model';
      const verdict = measureVerdict('label-randomization', entries[m]!.name, r.similarity, labelMeasure, labelMax, 'a model trained on shuffled labels');
      reports[m]!.labelRandomization = { similarity: r.similarity, reference, accuracy: r.accuracy, verdict };
    });
  }

  for (const [m, entry] of entries.entries()) {
    throwIfAborted(options.signal);
    const report = reports[m]!;
    if (run.includes('deletion')) {
      checkMapsFit(maps[m]!, grid!, rows, entry.name);
      const curves = await perturbationCurves(model, data.input, grid!, maps[m]!, targets, {
        ...options.deletion,
        seed: options.deletion?.seed ?? seed,
        batchSize: options.deletion?.batchSize ?? batchSize,
        signal: options.signal,
        onProgress: (done, total) => progress?.({ check: 'deletion', method: entry.name, done, total }),
      });
      const { verdict, insertionPassed } = deletionVerdict(entry.name, curves, margin);
      report.deletion = { ...curves, margin, insertionPassed, verdict };
    }
    if (run.includes('infidelity')) {
      const { threshold, ...rest } = options.infidelity ?? {};
      const result = await infidelity(model, data.input, attributions[m]!, {
        normalize: true,
        ...rest,
        seed: rest.seed ?? seed,
        batchSize: rest.batchSize ?? batchSize,
        signal: options.signal,
        onProgress: (done, total) => progress?.({ check: 'infidelity', method: entry.name, done, total }),
      });
      const what = `${result.normalize ? 'normalised ' : ''}infidelity (${result.samples} Gaussian perturbations${result.noiseStd !== null ? ` of std ${result.noiseStd}` : ''})`;
      report.infidelity = { ...result, verdict: scoreVerdict('infidelity', entry.name, result.mean, threshold, what) };
    }
    if (run.includes('max-sensitivity')) {
      const { threshold, ...rest } = options.maxSensitivity ?? {};
      const result = await sensitivityMax(model, entry.method, data.input, {
        ...rest,
        methodOptions: { ...entry.options, seed },
        attribution: attributions[m],
        seed: rest.seed ?? seed,
        batchSize: rest.batchSize ?? batchSize,
        signal: options.signal,
        onProgress: (done, total) => progress?.({ check: 'max-sensitivity', method: entry.name, done, total }),
      });
      const what = `max-sensitivity (${result.samples} perturbations${result.radius !== null ? ` in the L-inf ball of radius ${result.radius}` : ''})`;
      report.maxSensitivity = { ...result, verdict: scoreVerdict('max-sensitivity', entry.name, result.mean, threshold, what) };
    }
    if (run.includes('localization')) {
      checkMapsFit(maps[m]!, grid!, rows, entry.name);
      const result = localization(maps[m]!, data.masks!, options.localization);
      report.localization = { ...result, verdict: pointingVerdict(entry.name, result, minHitRate) };
      progress?.({ check: 'localization', method: entry.name, done: 1, total: 1 });
    }
  }

  const verdicts: CheckVerdict[] = [];
  for (const report of reports) {
    for (const result of [report.parameterRandomization, report.labelRandomization, report.deletion, report.infidelity, report.maxSensitivity, report.localization]) {
      if (result) verdicts.push(result.verdict);
    }
  }
  return { examples: rows, targets, targetSource: source, checks: run, skipped, methods: reports, verdicts, seed };
}
