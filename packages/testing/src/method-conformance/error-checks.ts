import type { TensorData } from '@salience/core';
import type { MethodConformanceSubject } from './subject.js';
import { attributeChecked, describeOptions, expectMethodRejection, fail, methodBaseline, spyModel } from './subject.js';

/**
 * batchSize that is not a positive integer, every option in `subject.badOptions`, and (for a method
 * that declares `optionKeys`) an option name it does not know, are an OptionError.
 */
export async function checkMethodOptionErrors(subject: MethodConformanceSubject): Promise<void> {
  for (const batchSize of [0, -1, 2.5, Number.NaN]) {
    await expectMethodRejection(subject, { batchSize }, 'INVALID_OPTION', `batchSize ${batchSize}`);
  }
  if (subject.method.optionKeys) {
    await expectMethodRejection(subject, { notAnOptionOfThisMethod: 1 }, 'INVALID_OPTION', 'An unknown option name (the method declares optionKeys)');
  }
  for (const bad of subject.badOptions ?? []) await expectMethodRejection(subject, bad, 'INVALID_OPTION', `The bad options ${describeOptions(bad)}`);
}

/** Inputs that do not fit the model, or hold non-finite values, are a ShapeError. */
export async function checkMethodInputErrors(subject: MethodConformanceSubject): Promise<void> {
  const { input } = subject;
  const withValue = (value: number): TensorData => {
    const data = input.data.slice();
    data[data.length - 1] = value;
    return { data, shape: [...input.shape] };
  };
  const bad: [string, TensorData][] = [
    ['an extra dimension', { data: input.data.slice(), shape: [...input.shape, 1] }],
    ['data shorter than its shape', { data: input.data.slice(0, input.data.length - 1), shape: [...input.shape] }],
    ['no examples', { data: new Float32Array(0), shape: [0, ...input.shape.slice(1)] }],
    ['a NaN', withValue(Number.NaN)],
    ['an infinite value', withValue(Number.POSITIVE_INFINITY)],
    ['Float64Array data', { data: Float64Array.from(input.data) as unknown as Float32Array, shape: [...input.shape] }],
  ];
  for (const [what, x] of bad) await expectMethodRejection(subject, {}, 'INVALID_SHAPE', `An input with ${what}`, subject.model, x);
}

/** Classes that do not exist, per-example targets of the wrong count, and empty or oversized multi-targets are a TargetError. */
export async function checkMethodTargetErrors(subject: MethodConformanceSubject): Promise<void> {
  const { classes } = await methodBaseline(subject);
  const rows = subject.input.shape[0]!;
  const bad: [string, unknown][] = [
    [`class ${classes} of a ${classes}-class model`, classes],
    ['class -1', -1],
    ['class 0.5', 0.5],
    [`${rows - 1} targets for ${rows} examples`, new Array(rows - 1).fill(0)],
    [`class ${classes} for the last example`, Array.from({ length: rows }, (_, r) => (r === rows - 1 ? classes : 0))],
    ['{ classes: [] }', { classes: [] }],
    [`{ classes: [0, ${classes}] }`, { classes: [0, classes] }],
    ['{ topK: 0 }', { topK: 0 }],
    [`{ topK: ${classes + 1} }`, { topK: classes + 1 }],
  ];
  for (const [what, target] of bad) await expectMethodRejection(subject, { target }, 'INVALID_TARGET', `Target ${what}`);
}

/** A model without an output the method requires is a CapabilityError, before any model call. */
export async function checkMethodCapabilities(subject: MethodConformanceSubject): Promise<void> {
  const { method, model } = subject;
  for (const missing of method.requires) {
    const capabilities = new Set([...model.capabilities].filter((c) => c !== missing));
    const spy = spyModel(model, { capabilities });
    await expectMethodRejection(subject, {}, 'MISSING_CAPABILITY', `A model without '${missing}'`, spy);
    if (spy.calls.length > 0)
      fail(
        `With a model that lacks '${missing}', the method called the model ${spy.calls.length} time(s) before rejecting; check capabilities (assertCapabilities) before any work.`,
      );
  }
}

/**
 * An aborted signal stops the method with an AbortError: one aborted before the call gets no model
 * call answered, and one aborted during a model call (the middle one, and the last but one) gets no
 * further model call, even from a model that cannot interrupt its own work.
 */
export async function checkMethodAbort(subject: MethodConformanceSubject): Promise<void> {
  const before = new AbortController();
  before.abort(new Error('stopped before the call'));
  const early = spyModel(subject.model);
  await expectMethodRejection(subject, { signal: before.signal }, 'ABORTED', 'A signal aborted before the call', early);
  const answered = early.calls.filter((c) => c.answered).length;
  if (answered > 0)
    fail(`With a signal aborted before the call, the model answered ${answered} call(s) made without the signal; pass options.signal to every model call, or check it first.`);

  // Abort during the middle call of a run made one row at a time, and during its last but one.
  // (Not earlier: core's resolveTargets does not yet check the signal between its own batches.)
  const { spy: counted } = await attributeChecked(subject, { batchSize: 1 });
  const n = counted.calls.length;
  for (const abortAt of [...new Set([Math.floor(n / 2), Math.max(0, n - 2)])]) {
    const during = new AbortController();
    const spy = spyModel(subject.model, {
      honourSignal: false,
      onCall: (index) => {
        if (index === abortAt) during.abort(new Error('stopped during a model call'));
      },
    });
    await expectMethodRejection(subject, { signal: during.signal, batchSize: 1 }, 'ABORTED', `A signal aborted during model call ${abortAt + 1} of ${n}`, spy);
    const later = spy.calls.length - (abortAt + 1);
    if (later > 0) {
      fail(
        `After the signal was aborted during model call ${abortAt + 1} of ${n}, the method made ${later} more model call(s); check the signal between model calls (forEachBatch does).`,
      );
    }
  }
}
