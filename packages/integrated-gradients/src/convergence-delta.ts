import {
  type Model,
  type Objective,
  type TensorData,
  concatRows,
  forEachBatch,
  gatherRows,
  objectiveAndLogitGradient,
  rowSize,
  ShapeError, objectiveForRows } from '@salience/core';
import type { BaselineSet } from './baselines.js';

export interface EndpointRequest {
  readonly model: Model;
  readonly input: TensorData;
  readonly examples: Int32Array;
  readonly targets: Int32Array;
  readonly baselines: BaselineSet;
  /** Logits of the input when resolving the targets already computed them. */
  readonly inputLogits?: TensorData;
  readonly objective?: Objective;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
}

export interface EndpointGaps {
  /** F(x) - mean over baselines of F(baseline), per (example, target) pair. */
  readonly gaps: Float64Array;
  readonly modelCalls: number;
  readonly rows: number;
}

/**
 * The objective at both ends of every path, from logits-only calls over the distinct rows: the
 * inputs (unless their logits are known) and each baseline once (once in all when shared).
 */
export async function endpointGaps(request: EndpointRequest): Promise<EndpointGaps> {
  const { model, input, examples, targets, baselines, inputLogits, objective, batchSize, signal } = request;
  const batch = input.shape[0];
  const size = rowSize(input);
  const count = baselines.count;
  const inputRows = inputLogits ? 0 : batch;
  const baselineRows = baselines.perExample ? batch * count : count;
  const total = inputRows + baselineRows;
  const parts: TensorData[] = [];
  let modelCalls = 0;

  await forEachBatch(
    total,
    batchSize,
    async (start, end) => {
      const data = new Float32Array((end - start) * size);
      for (let r = start; r < end; r++) {
        const out = data.subarray((r - start) * size, (r - start + 1) * size);
        if (r < inputRows) {
          out.set(input.data.subarray(r * size, (r + 1) * size));
          continue;
        }
        const j = r - inputRows;
        if (baselines.perExample) baselines.fill(Math.floor(j / count), j % count, out);
        else baselines.fill(0, j, out);
      }
      const { logits } = await model.run({ input: { data, shape: [end - start, ...input.shape.slice(1)] }, outputs: ['logits'], signal });
      modelCalls++;
      if (logits.shape.length !== 2 || logits.shape[0] !== end - start) {
        throw new ShapeError(`The model returned logits of shape [${logits.shape}] for ${end - start} rows; expected [${end - start}, classes].`);
      }
      parts.push(logits);
    },
    { signal },
  );

  const all = concatRows(parts);
  const xLogits = inputLogits ?? { data: all.data.subarray(0, batch * all.shape[1]), shape: [batch, all.shape[1]] };
  const pairs = examples.length;
  const atInput = objectiveAndLogitGradient(gatherRows(xLogits, examples), targets, objectiveForRows(objective, examples)).values;

  // Row of the endpoint logits for baseline k of each pair, pair-major.
  const baselineRow = new Int32Array(pairs * count);
  const pathExample = new Int32Array(pairs * count);
  const pathTarget = new Int32Array(pairs * count);
  for (let p = 0; p < pairs; p++) {
    for (let k = 0; k < count; k++) {
      const path = p * count + k;
      baselineRow[path] = inputRows + (baselines.perExample ? examples[p] * count + k : k);
      pathExample[path] = examples[p];
      pathTarget[path] = targets[p];
    }
  }
  const atBaseline = objectiveAndLogitGradient(gatherRows(all, baselineRow), pathTarget, objectiveForRows(objective, pathExample)).values;

  const gaps = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let mean = 0;
    for (let k = 0; k < count; k++) mean += atBaseline[p * count + k];
    gaps[p] = atInput[p] - mean / count;
  }
  return { gaps, modelCalls, rows: total };
}
