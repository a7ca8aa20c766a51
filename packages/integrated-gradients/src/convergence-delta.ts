import { checkLogitRows, concatRows, gatherRows, type MethodCall, objectiveAndLogitGradient, objectiveForRows, rowSize, ShapeError, type TensorData } from '@salience/core';
import type { BaselineSet } from './baselines.js';

export interface EndpointGaps {
  /** F(x) - mean over baselines of F(baseline), per (example, target) pair. */
  readonly gaps: Float64Array;
  readonly rows: number;
}

/**
 * The objective at both ends of every path, from logits-only calls over the distinct rows: the
 * inputs (unless their logits are known) and each baseline once (once in all when shared). A
 * baseline is evaluated with the companions (context) of the real example whose path it starts,
 * so a model with context evaluates each example's baselines apart.
 */
export async function endpointGaps(call: MethodCall, baselines: BaselineSet): Promise<EndpointGaps> {
  const { input, examples, targets, objective } = call;
  const inputLogits = call.logits;
  const batch = input.shape[0]!;
  const size = rowSize(input);
  const count = baselines.count;
  const perExample = baselines.perExample || call.context !== undefined;
  const inputRows = (inputLogits ? 0 : batch)!;
  const baselineRows = perExample ? batch * count : count;
  const total = inputRows + baselineRows;
  const parts: TensorData[] = [];

  await call.forEachBatch(total, async (start, end) => {
    const data = new Float32Array((end - start) * size);
    const rowExamples = new Int32Array(end - start);
    for (let r = start; r < end; r++) {
      const out = data.subarray((r - start) * size, (r - start + 1) * size);
      if (r < inputRows) {
        out.set(input.data.subarray(r * size, (r + 1) * size));
        rowExamples[r - start] = r;
        continue;
      }
      const j = r - inputRows;
      const example = perExample ? Math.floor(j / count) : 0;
      baselines.fill(example, perExample ? j % count : j, out);
      rowExamples[r - start] = example;
    }
    const { logits } = await call.run({ input: { data, shape: [end - start, ...input.shape.slice(1)] }, examples: rowExamples, outputs: ['logits'] });
    parts.push(checkLogitRows(logits, end - start));
  });

  const all = concatRows(parts);
  const xLogits = inputLogits ?? { data: all.data.subarray(0, batch * all.shape[1]!), shape: [batch, all.shape[1]!] };
  const pairs = examples.length;
  const atInput = objectiveAndLogitGradient(gatherRows(xLogits, examples), targets, objectiveForRows(objective, examples)).values;

  // Row of the endpoint logits for baseline k of each pair, pair-major.
  const baselineRow = new Int32Array(pairs * count);
  const pathExample = new Int32Array(pairs * count);
  const pathTarget = new Int32Array(pairs * count);
  for (let p = 0; p < pairs; p++) {
    for (let k = 0; k < count; k++) {
      const path = p * count + k;
      baselineRow[path] = inputRows + (perExample ? examples[p]! * count + k : k);
      pathExample[path] = examples[p]!;
      pathTarget[path] = targets[p]!;
    }
  }
  const atBaseline = objectiveAndLogitGradient(gatherRows(all, baselineRow), pathTarget, objectiveForRows(objective, pathExample)).values;

  const gaps = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let mean = 0;
    for (let k = 0; k < count; k++) mean += atBaseline[p * count + k]!;
    gaps[p] = atInput[p]! - mean / count;
  }
  return { gaps, rows: total };
}
