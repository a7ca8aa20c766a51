import type { ModelRequest, RowTarget } from '@salience/core';
import { misshapenInput } from './catalogue.js';
import { allOutputs } from './consistency-checks.js';
import { testableGradients } from './output-checks.js';
import type { ConformanceSubject } from './subject.js';
import { baseline, expectRejection, fail, has } from './subject.js';

/** Inputs that do not fit inputShape are a ShapeError: an extra dimension, a missing one, a wrong size, data that does not fill the shape. */
export async function checkRejectsBadInput(subject: ConformanceSubject): Promise<void> {
  const { model, input } = subject;
  const bad: [string, ModelRequest][] = [
    ['an extra dimension', { input: misshapenInput(input), outputs: ['logits'] }],
    ['a missing dimension', { input: { data: input.data.slice(), shape: [input.data.length] }, outputs: ['logits'] }],
    ['data shorter than the shape', { input: { data: input.data.slice(0, input.data.length - 1), shape: [...input.shape] }, outputs: ['logits'] }],
  ];
  const fixed = model.inputShape.findIndex((d, i) => i > 0 && d !== null);
  if (fixed > 0) {
    const shape = [...input.shape];
    shape[fixed]! += 1;
    const size = shape.reduce((a, b) => a * b, 1);
    bad.push([`dimension ${fixed} of size ${shape[fixed]} instead of ${input.shape[fixed]}`, { input: { data: new Float32Array(size), shape }, outputs: ['logits'] }]);
  }
  for (const [what, request] of bad) await expectRejection(model, request, 'INVALID_SHAPE', `An input with ${what}`);
}

/** A layer the model does not have is an UnknownLayerError that lists the layers it does have. */
export async function checkRejectsUnknownLayer(subject: ConformanceSubject): Promise<void> {
  const { model, input } = subject;
  const names = model.layers().map((l) => l.name);
  const { targets } = await baseline(subject);
  for (const output of (['layerActivations', 'layerGradients'] as const).filter((o) => has(subject, o))) {
    const error = (await expectRejection(
      model,
      { input, outputs: [output], target: Array.from(targets), layer: '__no_such_layer__' },
      'UNKNOWN_LAYER',
      `${output} of a layer that does not exist`,
    )) as { available?: unknown; message?: string };
    const available = Array.isArray(error.available) ? (error.available as unknown[]) : undefined;
    const missing = names.filter((n) => !available?.includes(n));
    if (!available || missing.length > 0) {
      fail(`The UnknownLayerError must list the model's layers in 'available'; ${available ? `it lacks ${missing.slice(0, 5).join(', ')}` : 'it has no such list'}.`);
    }
  }
}

/** Targets out of range, negative, fractional, or one per example of the wrong count are a TargetError. */
export async function checkRejectsBadTargets(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  const { classes } = await baseline(subject);
  const rows = input.shape[0]!;
  const bad: [string, RowTarget][] = [
    [`class ${classes} of ${classes}`, classes],
    ['class -1', -1],
    ['class 0.5', 0.5],
    [`${rows - 1} targets for ${rows} examples`, Array.from({ length: rows - 1 }, () => 0)],
    [`class ${classes} for the last example`, Array.from({ length: rows }, (_, r) => (r === rows - 1 ? classes : 0))],
  ];
  for (const output of testableGradients(subject)) {
    for (const [what, target] of bad) await expectRejection(model, { input, outputs: [output], target, layer }, 'INVALID_TARGET', `${output} for ${what}`);
  }
}

/** Gradient outputs without a target are a TargetError: nothing says what to differentiate. */
export async function checkRequiresTarget(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  for (const output of testableGradients(subject)) {
    await expectRejection(model, { input, outputs: [output], layer }, 'INVALID_TARGET', `${output} without a target`);
  }
}

/** An objective that the contract does not define is an OptionError. */
export async function checkRejectsUnknownObjective(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  for (const output of testableGradients(subject)) {
    const request = { input, outputs: [output], target: 0, layer, objective: 'margin' } as unknown as ModelRequest;
    await expectRejection(model, request, 'INVALID_OPTION', `${output} for the objective 'margin'`);
  }
}

/** A signal that is already aborted stops the request with an AbortError. */
export async function checkHonoursAbort(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  const { targets } = await baseline(subject);
  const requests: ModelRequest[] = [{ input, outputs: ['logits'] }];
  const everything = allOutputs(subject);
  if (everything.length > 1) requests.push({ input, outputs: everything, target: Array.from(targets), layer });
  for (const request of requests) {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expectRejection(model, { ...request, signal: controller.signal }, 'ABORTED', 'A request with an aborted signal');
  }
}
