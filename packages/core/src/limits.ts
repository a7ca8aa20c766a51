import { OptionError } from './errors.js';

/** The kinds of work whose amount a caller chooses, each with a documented upper limit. */
export type WorkLimit = 'steps' | 'samples' | 'windows';

/**
 * Default upper limits, so that a typo (`steps: 1e9`) fails at once instead of running for hours:
 * - steps: points on an integration path (integrated gradients, token integrated gradients; also
 *   `maxSteps`), 10,000;
 * - samples: noisy copies (SmoothGrad) or sampled baselines per example, 10,000;
 * - windows: perturbed regions per example (occlusion windows, feature-ablation groups), 250,000
 *   (one group per element of a 224 x 224 x 3 image fits).
 * A call raises one with `limits: { steps: 50_000 }`.
 */
export const WORK_LIMITS: Readonly<Record<WorkLimit, number>> = { steps: 10_000, samples: 10_000, windows: 250_000 };

/**
 * Fails when `value` (the option `name`, e.g. 'steps' or 'maxSteps') exceeds the limit for `kind`,
 * saying what the limit is and how to raise it. Raised limits must be positive integers.
 */
export function checkLimit(kind: WorkLimit, value: number, limits: Readonly<Partial<Record<WorkLimit, number>>> | undefined, name: string = kind): void {
  const raised = limits?.[kind];
  if (raised !== undefined && !(Number.isInteger(raised) && raised > 0)) {
    throw new OptionError(`limits.${kind} must be a positive integer; got ${String(raised)}.`);
  }
  const limit = raised ?? WORK_LIMITS[kind];
  if (value > limit) {
    throw new OptionError(
      `${name} is ${value}, above the limit of ${limit} ${kind} per call (it bounds time and memory). ` +
        `If you mean it, raise the limit with the option limits: { ${kind}: ${value} }.`,
    );
  }
}
