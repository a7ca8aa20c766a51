import {
  type Attribution,
  type CommonOptions,
  checkLogitRows,
  checkObjective,
  type MethodCall,
  type Model,
  objectiveName,
  ShapeError,
  TargetError,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import type { ResolvedBaseline } from './baseline.js';
import type { RegionSet } from './regions.js';
import { objectiveScores } from './scores.js';

const VALUES_LAYOUT: Record<Model['layout'], ValuesLayout> = { NCHW: 'NCHW', NHWC: 'NHWC', NC: 'NC', tokens: 'NT' };

/** Pairs of each example, as compressed rows: pairs of example e are `order[start[e]..start[e+1])`. */
function pairsByExample(examples: Int32Array, count: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(count + 1);
  for (const e of examples) start[e + 1]!++;
  for (let e = 0; e < count; e++) start[e + 1]! += start[e]!;
  const next = start.slice(0, count);
  const order = new Int32Array(examples.length);
  examples.forEach((e, p) => {
    order[next[e]!++] = p;
  });
  return { start, order };
}

export interface PerturbationRequest {
  readonly id: string;
  /** The method call after core's prologue, with the input's logits (`logits: true` in its spec). */
  readonly call: MethodCall;
  readonly regions: RegionSet;
  readonly baseline: ResolvedBaseline;
  readonly options: CommonOptions;
  /** Method parameters to report in `meta`. */
  readonly meta: Record<string, unknown>;
}

/**
 * Replaces each region of each example by the baseline and scores every target of that example on
 * the perturbed copy: an element's attribution is the mean drop in the objective over the regions
 * that cover it. Copies are (example, region) rows, built and run one batch at a time, so memory
 * does not grow with the number of regions, and targets of one example share its copies.
 */
export async function attributeByPerturbation(request: PerturbationRequest): Promise<Attribution> {
  const { id, call, regions, baseline, options } = request;
  const { model, input, examples, targets, objective, batchSize } = call;
  const size = regions.size;
  const rowShape = input.shape.slice(1);
  const exampleCount = input.shape[0]!;
  // The unperturbed logits, from the prologue; they also resolved 'predicted' and topK.
  const baseLogits = checkLogitRows(call.logits!, exampleCount);
  let modelRows = exampleCount!;
  const classes = baseLogits.shape[1]!;
  checkObjective(objective, exampleCount, classes);
  targets.forEach((t, p) => {
    if (t >= classes) throw new TargetError(`Target ${t} (map ${p}) does not exist: the model has ${classes} classes (0..${classes - 1}).`);
  });
  const baseScores = objectiveScores(baseLogits, examples, targets, objective, examples);

  const pairs = examples.length;
  const { start: pairStart, order: pairOrder } = pairsByExample(examples, exampleCount);
  const regionCount = regions.count;
  const total = exampleCount * regionCount;
  const sums = new Float64Array(pairs * size);
  const offsets = new Int32Array(regions.maxRuns);
  const lengths = new Int32Array(regions.maxRuns);
  // One buffer for every batch: allocating (and zeroing) a fresh one per batch costs more than
  // filling it. Each copy is rewritten in full, so a model that edits its input in place is harmless;
  // a model must not keep the array after its run resolves.
  const buffer = new Float32Array(Math.min(batchSize, total) * size);

  await call.forEachBatch(
    total,
    async (start, end) => {
      const rows = end - start;
      const copies = buffer.subarray(0, rows * size);
      const rowExamples = new Int32Array(rows);
      let scored = 0;
      for (let r = 0; r < rows; r++) {
        const e = Math.floor((start + r) / regionCount);
        rowExamples[r] = e;
        const copy = copies.subarray(r * size, (r + 1) * size);
        copy.set(input.data.subarray(e * size, (e + 1) * size));
        const fill = baseline.of(e);
        const n = regions.runs((start + r) % regionCount, offsets, lengths);
        for (let q = 0; q < n; q++) {
          const from = offsets[q]!;
          const to = from + lengths[q]!;
          if (typeof fill === 'number') copy.fill(fill, from, to);
          else copy.set(fill.subarray(from, to), from);
        }
        scored += pairStart[e + 1]! - pairStart[e]!;
      }
      // Each copy carries its example's context: only the attributed input is perturbed.
      const out = await call.run({ input: { data: copies, shape: [rows, ...rowShape] }, examples: rowExamples, outputs: ['logits'] });
      const logits = checkLogitRows(out.logits, rows);
      modelRows += rows;

      // Every target of an example is scored on the same copy: no duplicate model rows.
      const scoreRows = new Int32Array(scored);
      const scorePairs = new Int32Array(scored);
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const e = Math.floor((start + r) / regionCount);
        for (let q = pairStart[e]!; q < pairStart[e + 1]!; q++) {
          scoreRows[s] = r;
          scorePairs[s++] = pairOrder[q]!;
        }
      }
      const pairTargets = scorePairs.map((p) => targets[p]!);
      const pairExamples = scorePairs.map((p) => examples[p]!);
      const scores = objectiveScores(logits, scoreRows, pairTargets, objective, pairExamples);

      let i = 0;
      for (let r = 0; r < rows; r++) {
        const n = regions.runs((start + r) % regionCount, offsets, lengths);
        while (i < scored && scoreRows[i] === r) {
          const p = scorePairs[i]!;
          const drop = baseScores[p]! - scores[i]!;
          const map = p * size;
          for (let q = 0; q < n; q++) {
            const from = map + offsets[q]!;
            const to = from + lengths[q]!;
            for (let k = from; k < to; k++) sums[k]! += drop;
          }
          i++;
        }
      }
    },
    options.onProgress,
  );

  const coverage = regions.coverage();
  const values = new Float32Array(pairs * size);
  for (let p = 0; p < pairs; p++) {
    const map = p * size;
    for (let k = 0; k < size; k++) values[map + k] = sums[map + k]! / coverage[k]!;
  }
  return {
    method: id,
    values: { data: values, shape: [pairs, ...rowShape] },
    layout: VALUES_LAYOUT[model.layout],
    examples,
    targets,
    meta: {
      ...request.meta,
      baseline: baseline.kind,
      objective: objectiveName(objective),
      batchSize,
      perturbations: total,
      modelCalls: call.modelCalls,
      modelRows,
    },
  };
}
