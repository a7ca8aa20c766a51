import { describe, expect, it } from 'vitest';
import type { Objective } from './model.js';
import { objectiveAndLogitGradient } from './objective.js';
import { tensor } from './tensor.js';

describe('objectiveAndLogitGradient', () => {
  const logits = tensor([0.3, -1.2, 2.0, 0.5, 0.1, -0.4], [2, 3]);
  const targets = Int32Array.from([2, 0]);
  const objectives: Objective[] = [
    'logit',
    'probability',
    'log-probability',
    { kind: 'cross-entropy' },
    { kind: 'cross-entropy', labels: tensor([0.2, 0.3, 0.5, 1, 0, 0], [2, 3]) },
  ];

  it.each(objectives.map((o) => [JSON.stringify(o), o] as const))('%s has the gradient of its values', (_, objective) => {
    const { gradient } = objectiveAndLogitGradient(logits, targets, objective);
    const h = 1e-3;
    for (let i = 0; i < logits.data.length; i++) {
      const up = Float32Array.from(logits.data);
      const down = Float32Array.from(logits.data);
      up[i]! += h;
      down[i]! -= h;
      const row = Math.floor(i / 3);
      const fUp = objectiveAndLogitGradient(tensor(up, [2, 3]), targets, objective).values[row]!;
      const fDown = objectiveAndLogitGradient(tensor(down, [2, 3]), targets, objective).values[row]!;
      expect(gradient[i]).toBeCloseTo((fUp - fDown) / (2 * h), 3);
    }
  });

  it('cross-entropy with the target as label is minus the log-probability', () => {
    const ce = objectiveAndLogitGradient(logits, targets, { kind: 'cross-entropy' }).values;
    const lp = objectiveAndLogitGradient(logits, targets, 'log-probability').values;
    expect(ce[0]).toBeCloseTo(-lp[0]!, 6);
  });

  it('rejects unknown objectives and mis-shaped labels', () => {
    expect(() => objectiveAndLogitGradient(logits, targets, 'margin' as never)).toThrow(/Unknown objective/);
    expect(() => objectiveAndLogitGradient(logits, targets, { kind: 'cross-entropy', labels: tensor([1, 0], [1, 2]) })).toThrow(/labels have shape \[1,2\]/);
  });
});
