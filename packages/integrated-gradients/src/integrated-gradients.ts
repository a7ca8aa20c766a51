import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  checkLimit,
  checkOptionKeys,
  type Method,
  type MethodCall,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  ShapeError,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { type BaselineSet, type Baselines, resolveBaselines } from './baselines.js';
import { endpointGaps } from './convergence-delta.js';
import { integrateRound, type PathIntegration } from './path-integral.js';
import { checkQuadrature, firstRound, minimumSteps, type Quadrature, refinedSteps, refineRound, reusesPoints } from './quadrature.js';

export interface IntegratedGradientsOptions {
  /** Default 'gauss-legendre' (Captum's default, `method='gausslegendre'`). */
  readonly quadrature?: Quadrature;
  /** Points on the path; default 50 (Captum's `n_steps`). */
  readonly steps?: number;
  /**
   * Reproduce Captum's `riemann_trapezoid`, whose weights sum to (n - 1)/n; default false (a
   * correct trapezoid rule, whose results are Captum's times n/(n - 1)).
   */
  readonly captumTrapezoid?: boolean;
  /** Default 'zero'. Several baselines are averaged (expected-gradients style). */
  readonly baselines?: Baselines;
  /** Multiply the path-integrated gradient by (x - baseline); default true (Captum's `multiply_by_inputs`). */
  readonly multiplyByInputs?: boolean;
  /** Double the steps until max |delta| < tolerance (or `maxSteps`); off by default. */
  readonly tolerance?: number;
  /** Most steps the doubling may reach; default max(1024, steps). Only with `tolerance`. */
  readonly maxSteps?: number;
}

/** Points on the path when `steps` is not given (Captum's `n_steps`), here and in token integrated gradients. */
export const DEFAULT_STEPS = 50;
/** Most steps the doubling of `tolerance` reaches when `maxSteps` is not given. */
export const DEFAULT_MAX_STEPS = 1024;

/** The options integrated gradients takes besides `CommonOptions`. */
export const INTEGRATED_GRADIENTS_OPTION_KEYS: readonly (keyof IntegratedGradientsOptions)[] = [
  'quadrature',
  'steps',
  'captumTrapezoid',
  'baselines',
  'multiplyByInputs',
  'tolerance',
  'maxSteps',
];

/** One pass of the quadrature, as recorded in `meta.rounds`. */
export interface IntegrationRound {
  /** Points of the rule after this round. */
  readonly steps: number;
  /** Points whose gradients were computed in this round. */
  readonly evaluatedSteps: number;
  /** Points whose gradients were kept from the round before. */
  readonly reusedSteps: number;
  readonly maxAbsDelta: number;
}

interface Settings {
  readonly quadrature: Quadrature;
  readonly steps: number;
  readonly captumTrapezoid: boolean;
  readonly multiplyByInputs: boolean;
  readonly tolerance?: number;
  readonly maxSteps: number;
}

/** Checks `steps` of a path integral: an integer from the rule's minimum up to the steps limit. */
export function checkSteps(steps: number, quadrature: Quadrature, limits: CommonOptions['limits']): number {
  const least = minimumSteps(quadrature);
  if (!Number.isInteger(steps) || steps < least) throw new OptionError(`steps must be an integer >= ${least} for '${quadrature}'; got ${steps}.`);
  checkLimit('steps', steps, limits);
  return steps;
}

function readSettings(options: IntegratedGradientsOptions & CommonOptions): Settings {
  const quadrature = checkQuadrature(options.quadrature ?? 'gauss-legendre');
  const steps = checkSteps(options.steps ?? DEFAULT_STEPS, quadrature, options.limits);
  const captumTrapezoid = options.captumTrapezoid ?? false;
  if (typeof captumTrapezoid !== 'boolean') throw new OptionError(`captumTrapezoid must be true or false; got ${captumTrapezoid}.`);
  if (captumTrapezoid && quadrature !== 'riemann-trapezoid') {
    throw new OptionError(`captumTrapezoid only applies to quadrature 'riemann-trapezoid'; this call uses '${quadrature}'.`);
  }
  const multiplyByInputs = options.multiplyByInputs ?? true;
  if (typeof multiplyByInputs !== 'boolean') throw new OptionError(`multiplyByInputs must be true or false; got ${multiplyByInputs}.`);
  const { tolerance } = options;
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance > 0)) {
    throw new OptionError(`tolerance must be a positive number (the largest |delta| accepted); got ${tolerance}.`);
  }
  if (options.maxSteps !== undefined && tolerance === undefined) {
    throw new OptionError('maxSteps only limits the doubling that tolerance asks for; give a tolerance too, or set steps instead.');
  }
  const maxSteps = options.maxSteps ?? Math.max(DEFAULT_MAX_STEPS, steps);
  if (!Number.isInteger(maxSteps) || maxSteps < steps) throw new OptionError(`maxSteps must be an integer >= steps (${steps}); got ${maxSteps}.`);
  if (tolerance !== undefined) checkLimit('steps', maxSteps, options.limits, 'maxSteps');
  const samples = (options.baselines as { samples?: unknown } | undefined)?.samples;
  if (typeof samples === 'number') checkLimit('samples', samples, options.limits, 'baselines.samples');
  return { quadrature, steps, captumTrapezoid, multiplyByInputs, tolerance, maxSteps };
}

/** The integration of one call: a path from each baseline of each pair to its example. */
function pathIntegration(call: MethodCall, baselines: BaselineSet, multiplyByInputs: boolean): PathIntegration {
  const { input, examples, targets } = call;
  const size = rowSize(input);
  const pairs = examples.length;
  const count = baselines.count;
  return {
    paths: {
      count: pairs * count,
      size,
      averaged: count,
      group: (path) => Math.floor(path / count),
      fill(path, start, difference) {
        const example = examples[Math.floor(path / count)]!;
        baselines.fill(example, path % count, start);
        const x = input.data.subarray(example * size, (example + 1) * size);
        for (let i = 0; i < size; i++) difference[i] = x[i]! - start[i]!;
      },
    },
    multiplyByInputs,
    async gradients(points, pathOfRow, rows) {
      const pairOfRow = pathOfRow.map((path) => Math.floor(path / count));
      const { inputGradients } = await call.run({
        input: { data: points, shape: [rows, ...input.shape.slice(1)] },
        examples: pairOfRow.map((pair) => examples[pair]!),
        targets: pairOfRow.map((pair) => targets[pair]!),
        outputs: ['inputGradients'],
      });
      if (inputGradients.data.length !== points.length) {
        throw new ShapeError(`The model returned input gradients of shape [${inputGradients.shape}] for an input of shape [${rows}, ${input.shape.slice(1)}].`);
      }
      return inputGradients.data;
    },
    forEachBatch: (total, work, onProgress) => call.forEachBatch(total, work, onProgress),
    sums: new Float64Array(pairs * size),
    completeness: new Float64Array(pairs),
  };
}

/**
 * Integrated gradients (Sundararajan et al. 2017): (x - x') times the gradient averaged along the
 * straight path from a baseline x' to x, by a quadrature of the path. `meta.delta` holds the
 * convergence delta sum(attribution) - (F(x) - F(x')) of every map.
 */
export const integratedGradients: Method<IntegratedGradientsOptions> = {
  id: 'integrated-gradients',
  requires: ['inputGradients', 'logits'],
  optionKeys: INTEGRATED_GRADIENTS_OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: IntegratedGradientsOptions & CommonOptions = {}): Promise<Attribution> {
    // Names first: a misspelt option would otherwise surface as a rule about the others.
    checkOptionKeys(options, INTEGRATED_GRADIENTS_OPTION_KEYS, "The 'integrated-gradients' method");
    const settings = readSettings(options);
    let baselines!: BaselineSet;
    const call = await beginMethod(model, input, options, {
      id: 'integrated-gradients',
      requires: this.requires,
      optionKeys: INTEGRATED_GRADIENTS_OPTION_KEYS,
      layouts: ['NCHW', 'NHWC', 'NC'],
      layoutHint: 'Token ids cannot be interpolated; integrate along the embeddings with a layer or token method instead.',
      check: () => {
        baselines = resolveBaselines(options.baselines ?? 'zero', input, model.layout, options.seed ?? 0);
      },
    });
    const { examples, targets, objective, batchSize } = call;
    const size = rowSize(input);
    const endpoints = await endpointGaps(call, baselines);

    const pairs = examples.length;
    const job = pathIntegration(call, baselines, settings.multiplyByInputs);
    const { quadrature, captumTrapezoid, tolerance, maxSteps } = settings;
    const rounds: IntegrationRound[] = [];
    const delta = new Float32Array(pairs);
    let round = firstRound(quadrature, settings.steps, captumTrapezoid);
    let rowsPlanned = 0;
    let rowsDone = 0;
    for (;;) {
      if (round.reused === 0) {
        job.sums.fill(0);
        job.completeness.fill(0);
      }
      const rowsThisRound = pairs * baselines.count * round.alphas.length;
      rowsPlanned += rowsThisRound;
      const before = rowsDone;
      await integrateRound(job, round, (done) => options.onProgress?.(before + done, rowsPlanned));
      rowsDone += rowsThisRound;
      let maxAbsDelta = 0;
      for (let p = 0; p < pairs; p++) {
        delta[p] = round.scale * job.completeness[p]! - endpoints.gaps[p]!;
        maxAbsDelta = Math.max(maxAbsDelta, Math.abs(delta[p]!));
      }
      rounds.push({ steps: round.steps, evaluatedSteps: round.alphas.length, reusedSteps: round.reused, maxAbsDelta });
      // A non-finite delta (the model returned NaN or Infinity) cannot improve by refining.
      if (tolerance === undefined || maxAbsDelta < tolerance || !Number.isFinite(maxAbsDelta)) break;
      if (refinedSteps(quadrature, round.steps) > maxSteps) break;
      round = refineRound(quadrature, round.steps, captumTrapezoid);
    }

    const values = new Float32Array(pairs * size);
    for (let i = 0; i < values.length; i++) values[i] = job.sums[i]! * round.scale;
    const finalDelta = rounds[rounds.length - 1]!.maxAbsDelta;
    return {
      method: 'integrated-gradients',
      values: { data: values, shape: [pairs, ...input.shape.slice(1)] },
      layout: model.layout as ValuesLayout,
      examples,
      targets,
      meta: {
        quadrature,
        steps: round.steps,
        captumTrapezoid,
        multiplyByInputs: settings.multiplyByInputs,
        baselines: baselines.description,
        baselineCount: baselines.count,
        objective: objectiveName(objective),
        delta,
        tolerance: tolerance ?? null,
        maxSteps: tolerance === undefined ? null : maxSteps,
        converged: tolerance === undefined ? null : finalDelta < tolerance,
        reusesPoints: reusesPoints(quadrature),
        rounds,
        stepsHistory: rounds.map((r) => r.steps),
        deltaHistory: rounds.map((r) => r.maxAbsDelta),
        gradientRows: rowsDone,
        endpointRows: endpoints.rows,
        batchSize,
        modelCalls: call.modelCalls,
      },
    };
  },
};
