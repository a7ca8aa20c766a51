import { gatherRows, type Objective, objectiveAndLogitGradient, type TensorData } from '@salience/core';

/**
 * The objective for pairs (logits row `rows[i]`, class `classes[i]`). Cross-entropy labels are
 * given per input example ([examples, classes]); `labelRows[i]` names the example of pair i.
 */
export function objectiveScores(logits: TensorData, rows: Int32Array, classes: Int32Array, objective: Objective | undefined, labelRows: Int32Array): Float32Array {
  const width = logits.shape[1]!;
  if (objective === undefined || objective === 'logit') {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = logits.data[rows[i]! * width + classes[i]!]!;
    return out;
  }
  let forPairs: Objective = objective;
  if (typeof objective === 'object' && objective.labels) {
    forPairs = { ...objective, labels: gatherRows(objective.labels, labelRows) };
  }
  return objectiveAndLogitGradient(gatherRows(logits, rows), classes, forPairs).values;
}
