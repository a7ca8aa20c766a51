import { gatherRows, type Objective } from '@salience/core';

/**
 * The objective for rows built from input examples: cross-entropy labels are given per input
 * example, so each row takes the labels of the example it came from.
 */
export function objectiveForRows(objective: Objective | undefined, exampleOfRow: Int32Array): Objective | undefined {
  if (typeof objective === 'object' && objective.kind === 'cross-entropy' && objective.labels) {
    return { kind: 'cross-entropy', labels: gatherRows(objective.labels, exampleOfRow) };
  }
  return objective;
}
