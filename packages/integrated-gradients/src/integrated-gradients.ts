import {
  type Attribution,
  type CommonOptions,
  type Method,
  type Model,
  type Objective,
  type TensorData,
  assertCapabilities,
  checkBatchSize,
  checkInput,
  checkObjective,
  defaultBatchSize,
  forEachBatch,
  OptionError,
  objectiveName,
  resolveTargets,
  rowSize,
  ShapeError, objectiveForRows } from '@salience/core';
import { type BaselineSet, type Baselines, resolveBaselines } from './baselines.js';
import { endpointGaps } from './convergence-delta.js';
import {
  checkQuadrature,
  firstRound,
  minimumSteps,
  type Quadrature,
  type QuadratureRound,
  refinedSteps,
  refineRound,
  reusesPoints,
} from './quadrature.js';

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

export const DEFAULT_STEPS = 50;
export const DEFAULT_MAX_STEPS = 1024;

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

function readSettings(options: IntegratedGradientsOptions): Settings {
  const quadrature = checkQuadrature(options.quadrature ?? 'gauss-legendre');
  const steps = options.steps ?? DEFAULT_STEPS;
  const least = minimumSteps(quadrature);
  if (!Number.isInteger(steps) || steps < least) throw new OptionError(`steps must be an integer >= ${least} for '${quadrature}'; got ${steps}.`);
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
  return { quadrature, steps, captumTrapezoid, multiplyByInputs, tolerance, maxSteps };
}

/** What one round's rows need: the input, the pairs and their baselines, and the sums they feed. */
interface Integration {
  readonly model: Model;
  readonly input: TensorData;
  readonly examples: Int32Array;
  readonly targets: Int32Array;
  readonly baselines: BaselineSet;
  readonly objective?: Objective;
  readonly multiplyByInputs: boolean;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  /** Per pair and element: sum of coefficient x term over the evaluated nodes, averaged over baselines. */
  readonly sums: Float64Array;
  /** Per pair: the same sum of (x - baseline) . gradient, for the convergence delta. */
  readonly completeness: Float64Array;
}

/** The endpoints of one path, kept while its rows are built and accumulated. */
interface Path {
  readonly baseline: Float32Array;
  readonly difference: Float32Array;
}

/**
 * Evaluates a round's nodes for every (pair, baseline) path. Rows are (path, node) pairs, path
 * major, built batch by batch so that memory does not grow with the steps.
 */
async function integrateRound(
  job: Integration,
  round: QuadratureRound,
  onRows: (done: number) => void,
): Promise<number> {
  const { model, input, examples, targets, baselines, batchSize, signal, sums, completeness } = job;
  const size = rowSize(input);
  const nodes = round.alphas.length;
  const count = baselines.count;
  const total = examples.length * count * nodes;
  let modelCalls = 0;
  let carried: { index: number; path: Path } | undefined;

  const pathOf = (index: number, cache: Map<number, Path>): Path => {
    const known = cache.get(index) ?? (carried?.index === index ? carried.path : undefined);
    if (known) {
      cache.set(index, known);
      return known;
    }
    const example = examples[Math.floor(index / count)];
    const baseline = new Float32Array(size);
    baselines.fill(example, index % count, baseline);
    const x = input.data.subarray(example * size, (example + 1) * size);
    const difference = new Float32Array(size);
    for (let i = 0; i < size; i++) difference[i] = x[i] - baseline[i];
    const path = { baseline, difference };
    cache.set(index, path);
    return path;
  };

  await forEachBatch(
    total,
    batchSize,
    async (start, end) => {
      const rows = end - start;
      const data = new Float32Array(rows * size);
      const rowTarget = new Int32Array(rows);
      const rowExample = new Int32Array(rows);
      const cache = new Map<number, Path>();
      for (let r = 0; r < rows; r++) {
        const index = Math.floor((start + r) / nodes);
        const pair = Math.floor(index / count);
        const { baseline, difference } = pathOf(index, cache);
        // Rounded to float32 at each operation as PyTorch does: near-ties (max pooling over an
        // interpolated flat background) then break the same way as in Captum.
        const alpha = Math.fround(round.alphas[(start + r) % nodes]);
        const out = data.subarray(r * size, (r + 1) * size);
        for (let i = 0; i < size; i++) out[i] = baseline[i] + Math.fround(alpha * difference[i]);
        rowTarget[r] = targets[pair];
        rowExample[r] = examples[pair];
      }
      const { inputGradients } = await model.run({
        input: { data, shape: [rows, ...input.shape.slice(1)] },
        outputs: ['inputGradients'],
        target: rowTarget,
        objective: objectiveForRows(job.objective, rowExample),
        signal,
      });
      modelCalls++;
      if (inputGradients.data.length !== data.length) {
        throw new ShapeError(`The model returned input gradients of shape [${inputGradients.shape}] for an input of shape [${rows}, ${input.shape.slice(1)}].`);
      }
      const gradients = inputGradients.data;
      for (let r = 0; r < rows; r++) {
        const index = Math.floor((start + r) / nodes);
        const pair = Math.floor(index / count);
        const { difference } = pathOf(index, cache);
        const weight = round.coefficients[(start + r) % nodes] / count;
        const g = gradients.subarray(r * size, (r + 1) * size);
        const sum = sums.subarray(pair * size, (pair + 1) * size);
        let dot = 0;
        if (job.multiplyByInputs) {
          for (let i = 0; i < size; i++) {
            const term = difference[i] * g[i];
            dot += term;
            sum[i] += weight * term;
          }
        } else {
          for (let i = 0; i < size; i++) {
            dot += difference[i] * g[i];
            sum[i] += weight * g[i];
          }
        }
        completeness[pair] += weight * dot;
      }
      const last = Math.floor((end - 1) / nodes);
      carried = { index: last, path: pathOf(last, cache) };
    },
    { signal, onProgress: (done) => onRows(done) },
  );
  return modelCalls;
}

/**
 * Integrated gradients (Sundararajan et al. 2017): (x - x') times the gradient averaged along the
 * straight path from a baseline x' to x, by a quadrature of the path. `meta.delta` holds the
 * convergence delta sum(attribution) - (F(x) - F(x')) of every map.
 */
export const integratedGradients: Method<IntegratedGradientsOptions> = {
  id: 'integrated-gradients',
  requires: ['inputGradients', 'logits'],
  async attribute(model: Model, input: TensorData, options: IntegratedGradientsOptions & CommonOptions = {}): Promise<Attribution> {
    const settings = readSettings(options);
    assertCapabilities(model, this.requires, "The 'integrated-gradients' method");
    if (model.layout === 'tokens') {
      throw new OptionError('Token ids cannot be interpolated; integrate along the embeddings with a layer or token method instead.');
    }
    checkInput(model, input);
    checkObjective(options.objective, input.shape[0]);
    const { signal, objective } = options;
    const size = rowSize(input);
    const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
    const baselines = resolveBaselines(options.baselines ?? 'zero', input, model.layout, options.seed ?? 0);

    const { examples, targets, logits } = await resolveTargets(model, input, options.target, signal, { batchSize });
    let modelCalls = logits ? Math.ceil(input.shape[0] / batchSize) : 0;
    const endpoints = await endpointGaps({ model, input, examples, targets, baselines, inputLogits: logits, objective, batchSize, signal });
    modelCalls += endpoints.modelCalls;

    const pairs = examples.length;
    const job: Integration = {
      model,
      input,
      examples,
      targets,
      baselines,
      objective,
      multiplyByInputs: settings.multiplyByInputs,
      batchSize,
      signal,
      sums: new Float64Array(pairs * size),
      completeness: new Float64Array(pairs),
    };
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
      modelCalls += await integrateRound(job, round, (done) => options.onProgress?.(before + done, rowsPlanned));
      rowsDone += rowsThisRound;
      let maxAbsDelta = 0;
      for (let p = 0; p < pairs; p++) {
        delta[p] = round.scale * job.completeness[p] - endpoints.gaps[p];
        maxAbsDelta = Math.max(maxAbsDelta, Math.abs(delta[p]));
      }
      rounds.push({ steps: round.steps, evaluatedSteps: round.alphas.length, reusedSteps: round.reused, maxAbsDelta });
      // A non-finite delta (the model returned NaN or Infinity) cannot improve by refining.
      if (tolerance === undefined || maxAbsDelta < tolerance || !Number.isFinite(maxAbsDelta)) break;
      if (refinedSteps(quadrature, round.steps) > maxSteps) break;
      round = refineRound(quadrature, round.steps, captumTrapezoid);
    }

    const values = new Float32Array(pairs * size);
    for (let i = 0; i < values.length; i++) values[i] = job.sums[i] * round.scale;
    const finalDelta = rounds[rounds.length - 1].maxAbsDelta;
    return {
      method: 'integrated-gradients',
      values: { data: values, shape: [pairs, ...input.shape.slice(1)] },
      layout: model.layout,
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
        modelCalls,
      },
    };
  },
};
