import { afterAll, describe, it } from 'vitest';
import type { ConformanceCheck, ConformanceGroup } from './conformance.js';
import { checkMethodBatchBound, checkMethodBatching, checkMethodDeterminism, checkMethodSeeds } from './method-conformance/consistency-checks.js';
import { checkMethodContext } from './method-conformance/context-checks.js';
import { checkMethodAbort, checkMethodCapabilities, checkMethodInputErrors, checkMethodOptionErrors, checkMethodTargetErrors } from './method-conformance/error-checks.js';
import { checkMethodNoLeaks, checkMethodNoMutation, checkMethodProgress } from './method-conformance/lifecycle-checks.js';
import { checkMethodDescription, checkMethodMultiTargets, checkMethodOutput, checkMethodTargets } from './method-conformance/output-checks.js';
import type { MethodConformanceSubject } from './method-conformance/subject.js';
import { methodBaseline } from './method-conformance/subject.js';

export interface MethodConformancePlan {
  /** The groups of checks that apply to this subject, in the order they run. */
  readonly groups: readonly ConformanceGroup[];
  /** Checks that were not registered, each with the reason. */
  readonly notRegistered: readonly string[];
}

type MethodSetup<O extends object> = () => Promise<MethodConformanceSubject<O>> | MethodConformanceSubject<O>;

const check = (name: string, run: () => Promise<void>): ConformanceCheck => ({ name, run });

/** Works out which method checks apply to a subject. */
export async function planMethodConformance<O extends object>(subject: MethodConformanceSubject<O>): Promise<MethodConformancePlan> {
  const s = subject as MethodConformanceSubject;
  const groups: ConformanceGroup[] = [];
  const notRegistered: string[] = [];
  await checkMethodDescription(s);
  const { classes } = await methodBaseline(s);

  groups.push({
    name: 'interface',
    checks: [
      check('describes itself and suits the subject (id, requires, plugin stamp against this core)', () => checkMethodDescription(s)),
      check('gives one map per example for its predicted class, in a layout that fits the input', () => checkMethodOutput(s)),
    ],
  });
  const targetChecks = [check('applies a class to every example, and per-example classes to each (arrays and Int32Arrays)', () => checkMethodTargets(s))];
  if (classes > 1) targetChecks.push(check('gives { classes } and { topK } maps equal to separate calls', () => checkMethodMultiTargets(s)));
  else notRegistered.push('multi-target: the model has a single class');
  groups.push({ name: 'targets', checks: targetChecks });
  groups.push({
    name: 'batching and determinism',
    checks: [
      check('gives the same maps with batchSize 1 and one large batch', () => checkMethodBatching(s)),
      check('never sends a model call larger than batchSize', () => checkMethodBatchBound(s)),
      check('gives the same maps twice for the same seed', () => checkMethodDeterminism(s)),
      check(s.seeded ? 'gives other maps for another seed' : 'does not depend on the seed (not seeded)', () => checkMethodSeeds(s)),
    ],
  });
  groups.push({
    name: 'errors',
    checks: [
      check(
        `rejects bad options with an OptionError (batchSize${s.badOptions?.length ? `, ${s.badOptions.length} method option set(s)` : ''}${s.method.optionKeys ? ', an unknown option name' : ''})`,
        () => checkMethodOptionErrors(s),
      ),
      check('rejects misshapen and non-finite inputs with a ShapeError', () => checkMethodInputErrors(s)),
      check('rejects bad targets with a TargetError', () => checkMethodTargetErrors(s)),
      check('rejects a model without a required output with a CapabilityError, before calling it', () => checkMethodCapabilities(s)),
      check('stops on an aborted signal with an AbortError, and calls the model no more', () => checkMethodAbort(s)),
    ],
  });
  if (!s.badOptions?.length) notRegistered.push('method option errors: no badOptions given (only batchSize is checked)');
  groups.push({ name: 'context', checks: [check("gives every model call its rows' examples' context rows (never derived from a perturbed row)", () => checkMethodContext(s))] });
  groups.push({ name: 'progress', checks: [check('reports monotone progress that ends at its total', () => checkMethodProgress(s))] });
  groups.push({ name: 'inputs', checks: [check("never mutates the caller's input or targets, answered or rejected", () => checkMethodNoMutation(s))] });
  if (s.liveTensors) groups.push({ name: 'leaks', checks: [check('keeps liveTensors() unchanged across every kind of call', () => checkMethodNoLeaks(s))] });
  else notRegistered.push('leaks: no liveTensors given');
  return { groups, notRegistered };
}

/**
 * Registers the method conformance suite with vitest. `setup` runs while the tests are collected;
 * the model is disposed and `teardown` called after the suite. The first test's name lists the
 * groups that were registered and what was not, and why.
 */
export function describeMethodConformance<O extends object>(name: string, setup: MethodSetup<O>): void {
  describe(`${name} conforms to the Method contract`, async () => {
    const subject = await setup();
    afterAll(async () => {
      subject.model.dispose();
      await subject.teardown?.();
    });
    const plan = await planMethodConformance(subject);
    it(`registers ${plan.groups.map((g) => g.name).join(', ')}${plan.notRegistered.length > 0 ? `; not registered: ${plan.notRegistered.join('; ')}` : ''}`, () => {});
    for (const group of plan.groups) {
      describe(group.name, () => {
        for (const c of group.checks) it(c.name, () => c.run());
      });
    }
  });
}

export { checkMethodBatchBound, checkMethodBatching, checkMethodDeterminism, checkMethodSeeds } from './method-conformance/consistency-checks.js';
export { CONFORMANCE_CONTEXT, checkMethodContext } from './method-conformance/context-checks.js';
export { checkMethodAbort, checkMethodCapabilities, checkMethodInputErrors, checkMethodOptionErrors, checkMethodTargetErrors } from './method-conformance/error-checks.js';
export { checkMethodNoLeaks, checkMethodNoMutation, checkMethodProgress } from './method-conformance/lifecycle-checks.js';
export { checkMethodDescription, checkMethodMultiTargets, checkMethodOutput, checkMethodTargets } from './method-conformance/output-checks.js';
export type { MethodConformanceSubject, SpiedCall, SpyModel, SpyOptions } from './method-conformance/subject.js';
export { checkAttributionStructure, DEFAULT_METHOD_TOLERANCE, spyModel } from './method-conformance/subject.js';
