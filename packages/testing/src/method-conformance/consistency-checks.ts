import { COMPARISON_SEED } from './output-checks.js';
import type { MethodConformanceSubject } from './subject.js';
import { attributeChecked, DEFAULT_METHOD_TOLERANCE, describeOptions, expectSameMaps, fail, firstDifference, methodBaseline } from './subject.js';

/** Batch sizes large enough for every row of a small test input to go in one call. */
export const LARGE_BATCH = 4096;

/** The targets each consistency check runs with: the default, and several classes per example when there are. */
async function targetCases(subject: MethodConformanceSubject): Promise<{ label: string; extra: Record<string, unknown> }[]> {
  const { classes } = await methodBaseline(subject);
  const cases: { label: string; extra: Record<string, unknown> }[] = [{ label: "target 'predicted'", extra: {} }];
  if (classes > 1) cases.push({ label: `target { classes: [0, ${classes - 1}] }`, extra: { target: { classes: [0, classes - 1] } } });
  return cases;
}

/** batchSize changes how the work is split, never the result: batchSize 1 and one large batch agree. */
export async function checkMethodBatching(subject: MethodConformanceSubject): Promise<void> {
  const tolerance = subject.tolerance ?? DEFAULT_METHOD_TOLERANCE;
  for (const { label, extra } of await targetCases(subject)) {
    const one = await attributeChecked(subject, { ...extra, seed: COMPARISON_SEED, batchSize: 1 });
    const large = await attributeChecked(subject, { ...extra, seed: COMPARISON_SEED, batchSize: LARGE_BATCH });
    expectSameMaps(one.attribution.values, large.attribution.values, tolerance, `With ${label}, batchSize 1 against batchSize ${LARGE_BATCH}`);
  }
}

/** No model call has more rows than batchSize, whatever the target; the work is split into several calls when it must be. */
export async function checkMethodBatchBound(subject: MethodConformanceSubject): Promise<void> {
  for (const batchSize of [1, 2]) {
    for (const { label, extra } of await targetCases(subject)) {
      const options = { ...extra, seed: COMPARISON_SEED, batchSize };
      const { spy } = await attributeChecked(subject, options);
      if (spy.calls.length === 0) fail(`With ${label}, the method made no model call at all.`);
      const largest = spy.calls.reduce((m, c) => Math.max(m, c.rows), 0);
      if (largest > batchSize) {
        const at = spy.calls.findIndex((c) => c.rows === largest);
        fail(
          `With ${label} and batchSize ${batchSize}, model call ${at + 1} of ${spy.calls.length} (outputs ${spy.calls[at]!.outputs.join(', ')}) had ${largest} rows; batchSize bounds every call, including the one that resolves the targets (pass { batchSize } to resolveTargets).`,
        );
      }
    }
  }
}

/** The same call twice gives the same maps, bit for bit. */
export async function checkMethodDeterminism(subject: MethodConformanceSubject): Promise<void> {
  for (const { label, extra } of await targetCases(subject)) {
    const options = { ...extra, seed: COMPARISON_SEED };
    const first = (await attributeChecked(subject, options)).attribution.values;
    const second = (await attributeChecked(subject, options)).attribution.values;
    const i = firstDifference(first.data, second.data);
    if (i >= 0)
      fail(`Two identical calls with ${label} and ${describeOptions({ ...subject.options, ...options })} differ: value ${i} is ${first.data[i]}, then ${second.data[i]}.`);
  }
}

/**
 * A seeded method gives other maps for another seed (a seed that is ignored is a bug); a method
 * without randomness gives the same maps whatever the seed (or it should say `seeded: true`).
 */
export async function checkMethodSeeds(subject: MethodConformanceSubject): Promise<void> {
  const a = (await attributeChecked(subject, { seed: 1 })).attribution.values;
  const b = (await attributeChecked(subject, { seed: 2 })).attribution.values;
  const i = firstDifference(a.data, b.data);
  if (subject.seeded && i < 0) fail('Seeds 1 and 2 give identical maps; a seeded method must draw its random numbers from options.seed.');
  if (!subject.seeded && i >= 0) {
    fail(
      `Seeds 1 and 2 give different maps (value ${i}: ${a.data[i]} vs ${b.data[i]}); if the method is random, set seeded: true in the subject, else it must not depend on the seed.`,
    );
  }
}
