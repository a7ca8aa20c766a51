import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  createRng,
  type Method,
  type Model,
  type Objective,
  OptionError,
  rowSize,
  TargetError,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { drawMask, type MaskGeometry, maskGeometry } from './masks.js';
import { PLUGIN } from './plugin.js';

export interface RiseOptions {
  /** Random masks per example; default 4000. More masks, less noise: the error falls as 1 / sqrt(masks). */
  readonly masks?: number;
  /** Cells of the random grid along each image side; default 7. Coarser grids find larger regions. */
  readonly gridSize?: number;
  /** Probability that a grid cell is kept; default 0.5. */
  readonly keepProbability?: number;
  /** Value that masked-out pixels take (x * m + fill * (1 - m)); default 0, as in the paper. */
  readonly fill?: number;
}

/** The option names RISE takes besides core's: any other key is rejected with the closest name. */
const OPTION_KEYS: readonly (keyof RiseOptions)[] = ['masks', 'gridSize', 'keepProbability', 'fill'];

const TOKENS_HINT = 'RISE masks pixels or features; token ids cannot be blended with a fill value. Use a method that works on embeddings for text models.';

type ScoreObjective = 'logit' | 'probability' | 'log-probability';
const OBJECTIVES: readonly ScoreObjective[] = ['logit', 'probability', 'log-probability'];

interface RisePlan {
  readonly masks: number;
  readonly gridSize: number;
  readonly keepProbability: number;
  readonly fill: number;
  readonly seed: number;
  readonly objective: ScoreObjective;
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer; got ${String(value)}.`);
  return value;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionError(`${name} must be a finite number; got ${String(value)}.`);
  return value;
}

function planRise(options: RiseOptions & CommonOptions): RisePlan {
  const keepProbability = finite(options.keepProbability ?? 0.5, 'keepProbability');
  if (keepProbability <= 0 || keepProbability > 1) throw new OptionError(`keepProbability must be in (0, 1]; got ${keepProbability}.`);
  const objective = (options.objective ?? 'probability') as Objective;
  if (!OBJECTIVES.includes(objective as ScoreObjective)) {
    throw new OptionError(`RISE scores masked inputs by ${OBJECTIVES.map((o) => `'${o}'`).join(', ')}; got ${JSON.stringify(objective)}.`);
  }
  return {
    masks: positiveInteger(options.masks ?? 4000, 'masks'),
    gridSize: positiveInteger(options.gridSize ?? 7, 'gridSize'),
    keepProbability,
    fill: finite(options.fill ?? 0, 'fill'),
    seed: finite(options.seed ?? 0, 'seed'),
    objective: objective as ScoreObjective,
  };
}

/** Pixel geometry of the input: a mask covers every channel of a pixel; feature vectors are a 1 x F image. */
function pixelsOf(model: Model, input: TensorData): { height: number; width: number; channels: number; channelsLast: boolean; layout: ValuesLayout } {
  const [, a, b, c] = input.shape;
  switch (model.layout) {
    case 'NCHW':
      return { height: b, width: c, channels: a, channelsLast: false, layout: 'NHW' };
    case 'NHWC':
      return { height: a, width: b, channels: c, channelsLast: true, layout: 'NHW' };
    case 'NC':
      return { height: 1, width: a, channels: 1, channelsLast: true, layout: 'NC' };
    default:
      throw new OptionError(TOKENS_HINT);
  }
}

/** The objective of class `t` from one row of logits, with the row's log-sum-exp computed once. */
function scorer(objective: ScoreObjective): (z: Float32Array, targets: ArrayLike<number>, out: Float64Array) => void {
  return (z, targets, out) => {
    if (objective === 'logit') {
      for (let k = 0; k < targets.length; k++) out[k] = z[targets[k]];
      return;
    }
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    for (let k = 0; k < targets.length; k++) {
      const logP = z[targets[k]] - logSum;
      out[k] = objective === 'probability' ? Math.exp(logP) : logP;
    }
  };
}

/**
 * A few masks at a time, in draw order: rows of the same mask (one per example) may straddle two
 * batches, so the last mask drawn is kept.
 */
class MaskStream {
  private readonly rng;
  private readonly grid: Float32Array;
  private readonly buffers: Float32Array[] = [];
  private drawn = -1;

  constructor(
    seed: number,
    private readonly geometry: MaskGeometry,
    private readonly keep: number,
  ) {
    this.rng = createRng(seed);
    this.grid = new Float32Array(geometry.gridH * geometry.gridW);
  }

  /** Mask `index`; indices must not go back by more than the masks of one batch. */
  get(index: number, slots: number): Float32Array {
    while (this.drawn < index) {
      this.drawn++;
      const slot = this.drawn % slots;
      this.buffers[slot] ??= new Float32Array(this.geometry.height * this.geometry.width);
      drawMask(this.rng, this.geometry, this.keep, this.grid, this.buffers[slot]);
    }
    return this.buffers[index % slots];
  }
}

/**
 * RISE, randomized input sampling for explanation (Petsiuk, Das and Saenko, BMVC 2018). Scores the
 * model on the input under thousands of smooth random masks and weighs each mask by the score:
 * S_c = sum_i f_c(x * M_i) M_i / (masks * keepProbability). Needs logits only, so it explains any
 * model, forward-only ones included. The same masks serve every example and every target, so the
 * maps of { classes } or { topK } come from the same model calls.
 */
export const rise: Method<RiseOptions> = {
  id: 'rise',
  requires: ['logits'],
  optionKeys: OPTION_KEYS,
  plugin: PLUGIN,
  async attribute(model: Model, input: TensorData, options: RiseOptions & CommonOptions = {}): Promise<Attribution> {
    const plan = planRise(options);
    // Core's opening steps: option names, capabilities and layout, the input, the batch size, the
    // model's other inputs (context) of the real examples, and the targets.
    const call = await beginMethod(model, input, options, {
      id: 'rise',
      requires: this.requires,
      optionKeys: OPTION_KEYS,
      layouts: ['NCHW', 'NHWC', 'NC'],
      layoutHint: TOKENS_HINT,
    });
    const pixels = pixelsOf(model, input);
    const size = rowSize(input);
    const { examples, targets, batchSize, logits } = call;
    const exampleCount = input.shape[0];
    const pairs = examples.length;
    // The pairs of each example, so that one masked row scores all of that example's targets.
    const pairsOf: number[][] = Array.from({ length: exampleCount }, () => []);
    examples.forEach((e, p) => {
      pairsOf[e].push(p);
    });
    const checkTargets = (classes: number) => {
      const bad = targets.findIndex((t) => t >= classes);
      if (bad >= 0) throw new TargetError(`Target ${targets[bad]} (map ${bad}) does not exist: the model has ${classes} classes (0..${classes - 1}).`);
    };
    if (logits) checkTargets(logits.shape[1]);
    let maskedCalls = 0;

    const { height, width, channels, channelsLast } = pixels;
    const area = height * width;
    const geometry = maskGeometry(height, width, plan.gridSize);
    const slots = Math.ceil(batchSize / exampleCount) + 1;
    const stream = new MaskStream(plan.seed, geometry, plan.keepProbability);
    const score = scorer(plan.objective);
    const sums = new Float64Array(pairs * area);
    const total = plan.masks * exampleCount;
    const rows = new Float32Array(Math.min(batchSize, total) * size);
    const scores = new Float64Array(Math.max(1, ...pairsOf.map((p) => p.length)));

    await call.forEachBatch(
      total,
      async (start, end) => {
        // Row k is mask floor(k / examples) applied to example k % examples.
        for (let k = start; k < end; k++) {
          const mask = stream.get(Math.floor(k / exampleCount), slots);
          const e = k % exampleCount;
          const x = input.data.subarray(e * size, (e + 1) * size);
          const out = rows.subarray((k - start) * size, (k - start + 1) * size);
          for (let i = 0; i < size; i++) {
            const m = mask[channelsLast ? Math.floor(i / channels) : i % area];
            out[i] = x[i] * m + plan.fill * (1 - m);
          }
        }
        const batch = { data: rows.subarray(0, (end - start) * size), shape: [end - start, ...input.shape.slice(1)] };
        // Each masked row carries its own example's context rows (attention masks...).
        const rowExamples = Int32Array.from({ length: end - start }, (_, i) => (start + i) % exampleCount);
        const { logits: z } = await call.run({ input: batch, examples: rowExamples, outputs: ['logits'] });
        const classes = z.shape[1];
        if (++maskedCalls === 1) checkTargets(classes);
        for (let k = start; k < end; k++) {
          const mine = pairsOf[k % exampleCount];
          if (mine.length === 0) continue;
          score(
            z.data.subarray((k - start) * classes, (k - start + 1) * classes),
            mine.map((p) => targets[p]),
            scores,
          );
          const mask = stream.get(Math.floor(k / exampleCount), slots);
          mine.forEach((p, j) => {
            const s = scores[j];
            const map = sums.subarray(p * area, (p + 1) * area);
            for (let i = 0; i < area; i++) map[i] += s * mask[i];
          });
        }
      },
      options.onProgress,
    );

    const norm = plan.masks * plan.keepProbability;
    const values = Float32Array.from(sums, (s) => s / norm);
    return {
      method: 'rise',
      values: { data: values, shape: pixels.layout === 'NHW' ? [pairs, height, width] : [pairs, width] },
      layout: pixels.layout,
      examples,
      targets,
      meta: { ...plan, grid: [geometry.gridH, geometry.gridW], batchSize, modelCalls: call.modelCalls, modelRows: total },
    };
  },
};
