import { gatherRows, type Objective, objectiveAndLogitGradient, type TensorData } from '@salience/core';

/** The objective of each (logits row, class) pair; cross-entropy labels are per input example. */
export function scoresOf(logits: TensorData, rows: Int32Array, classes: Int32Array, exampleOf: Int32Array, objective: Objective | undefined): Float32Array {
  const width = logits.shape[1]!;
  if (objective === undefined || objective === 'logit') return Float32Array.from(rows, (r, i) => logits.data[r * width + classes[i]!]!);
  const forPairs: Objective = typeof objective === 'object' && objective.labels ? { ...objective, labels: gatherRows(objective.labels, exampleOf) } : objective;
  return objectiveAndLogitGradient(gatherRows(logits, rows), classes, forPairs).values;
}

/** The examples that have maps, each once and in order (`used`, as rows in `usedRows`); the pairs of the k-th are `pairsOf[k]`, its slot `slot.get(example)`. */
export function examplesOnce(examples: Int32Array): { used: number[]; slot: Map<number, number>; pairsOf: number[][]; usedRows: Int32Array } {
  const used = [...new Set(examples)].sort((a, b) => a - b);
  const slot = new Map(used.map((e, k) => [e, k]));
  const pairsOf: number[][] = used.map(() => []);
  examples.forEach((e, p) => {
    pairsOf[slot.get(e)!]!.push(p);
  });
  return { used, slot, pairsOf, usedRows: Int32Array.from(used) };
}

/** Where a channel sweep's rows come from and what each example's targets are. */
export interface ChannelSweep {
  /** The sweep's first row in this batch: row i is example slot floor(i / channels), channel i % channels. */
  readonly start: number;
  readonly channels: number;
  /** The (example, target) pairs of each example slot. */
  readonly pairsOf: readonly (readonly number[])[];
  readonly targets: Int32Array;
  /** The input example of each pair. */
  readonly examples: Int32Array;
  readonly objective: Objective | undefined;
}

/**
 * Scores a batch of a channel sweep (ScoreCAM's masked inputs, AblationCAM's ablated channels):
 * every target of each row's example, stored at `scores[pair * channels + channel]`.
 */
export function storeChannelScores(logits: TensorData, sweep: ChannelSweep, scores: Float64Array): void {
  const { start, channels, pairsOf, targets, examples, objective } = sweep;
  const rows = logits.shape[0]!;
  const rowOf: number[] = [];
  const pairOf: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (const p of pairsOf[Math.floor((start + r) / channels)]!) {
      rowOf.push(r);
      pairOf.push(p);
    }
  }
  const values = scoresOf(
    logits,
    Int32Array.from(rowOf),
    Int32Array.from(pairOf, (p) => targets[p]!),
    Int32Array.from(pairOf, (p) => examples[p]!),
    objective,
  );
  for (let i = 0; i < values.length; i++) scores[pairOf[i]! * channels + ((start + rowOf[i]!) % channels)] = values[i]!;
}
