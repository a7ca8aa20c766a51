import type { Model, Objective } from '@salience/core';
import { forEachBatch, objectiveAndLogitGradient, sizeOf } from '@salience/core';

export interface ScoredRows {
  /** Number of rows to score. */
  readonly total: number;
  /** Shape of one row (an example without the batch). */
  readonly rowShape: readonly number[];
  /** Writes row `index` into `out` (which may hold an older row: overwrite every value). */
  readonly fill: (index: number, out: Float32Array) => void;
  /** Class scored for row `index`. */
  readonly targetOf: (index: number) => number;
  readonly objective?: Objective;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  readonly onBatch?: (done: number, total: number) => void;
}

/**
 * Scores generated rows: fills at most `batchSize` rows into one reused buffer, asks the model for
 * their logits and keeps the objective of each row's target. Memory is one batch, whatever the
 * number of rows. Returns the scores and the number of model calls.
 */
export async function scoreRows(model: Model, spec: ScoredRows): Promise<{ scores: Float32Array; modelCalls: number }> {
  const size = sizeOf(spec.rowShape);
  const scores = new Float32Array(spec.total);
  const buffer = new Float32Array(Math.min(spec.total, spec.batchSize) * size);
  let modelCalls = 0;
  await forEachBatch(
    spec.total,
    spec.batchSize,
    async (start, end) => {
      const rows = end - start;
      const targets = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        spec.fill(start + r, buffer.subarray(r * size, (r + 1) * size));
        targets[r] = spec.targetOf(start + r);
      }
      const { logits } = await model.run({ input: { data: buffer.subarray(0, rows * size), shape: [rows, ...spec.rowShape] }, outputs: ['logits'], signal: spec.signal });
      modelCalls++;
      scores.set(objectiveAndLogitGradient(logits, targets, spec.objective ?? 'logit').values, start);
    },
    { signal: spec.signal, onProgress: spec.onBatch },
  );
  return { scores, modelCalls };
}
