import type { ModelRequest } from '@salience/core';
import { requestCatalogue } from './catalogue.js';
import type { ConformanceSubject } from './subject.js';
import { describeRequest, fail } from './subject.js';

async function settle(promise: Promise<unknown>): Promise<{ ok: boolean; error?: unknown }> {
  try {
    await promise;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** No request, answered or rejected, changes the caller's input, embeddings or labels. */
export async function checkNoMutation(subject: ConformanceSubject): Promise<void> {
  for (const entry of await requestCatalogue(subject)) {
    const request = entry.make();
    const labels = typeof request.objective === 'object' ? request.objective.labels : undefined;
    const watched = [request.input, request.embeddings, request.layerActivations, labels].filter((t) => t !== undefined);
    const before = watched.map((t) => ({ data: Float32Array.from(t.data), shape: t.shape.join() }));
    const outcome = await settle(subject.model.run(request));
    if (outcome.ok === entry.fails) {
      const e = outcome.error as Error | undefined;
      fail(
        `${entry.name}: the request ${describeRequest(request)} was ${outcome.ok ? 'answered; it must be rejected' : `rejected (${e?.name}: ${e?.message}); it must be answered`}.`,
      );
    }
    watched.forEach((t, i) => {
      const changed = t.shape.join() !== before[i]!.shape || t.data.some((v, k) => !Object.is(v, before[i]!.data[k]));
      if (changed) fail(`${entry.name}: the request ${describeRequest(request)} changed the caller's data; a model must not mutate its inputs.`);
    });
  }
}

/**
 * liveTensors() is the same before and after every kind of request, answered or rejected. A request
 * that changes the count is sent once more, so that one-time caches (a gradient function built on
 * first use) are not mistaken for leaks: a leak changes the count every time.
 */
export async function checkNoLeaks(subject: ConformanceSubject): Promise<void> {
  const live = subject.liveTensors;
  if (!live) fail('This check needs subject.liveTensors.');
  const measure = async (entry: { make(): ModelRequest }) => {
    const before = live();
    const outcome = await settle(subject.model.run(entry.make()));
    return { before, after: live(), ok: outcome.ok };
  };
  const leaks: string[] = [];
  for (const entry of await requestCatalogue(subject)) {
    let m = await measure(entry);
    if (m.after !== m.before) m = await measure(entry);
    if (m.after !== m.before) leaks.push(`${entry.name} (${m.ok ? 'answered' : 'rejected'}): ${m.before} -> ${m.after}`);
  }
  if (leaks.length > 0) fail(`liveTensors() changed across requests:\n  ${leaks.join('\n  ')}`);
}

/** dispose() can be called twice, and a disposed model rejects requests (without leaking) instead of answering them. */
export async function checkDispose(setup: () => Promise<ConformanceSubject> | ConformanceSubject): Promise<void> {
  const subject = await setup();
  try {
    const { model, input } = subject;
    await model.run({ input, outputs: ['logits'] });
    model.dispose();
    model.dispose();
    const before = subject.liveTensors?.();
    const outcome = await settle(model.run({ input, outputs: ['logits'] }));
    if (outcome.ok) fail('A disposed model answered a request; after dispose() every request must be rejected.');
    if (!(outcome.error instanceof Error)) fail(`A disposed model rejected with ${String(outcome.error)}, which is not an Error.`);
    const after = subject.liveTensors?.();
    if (before !== after) fail(`A request to the disposed model changed liveTensors() from ${before} to ${after}.`);
  } finally {
    await subject.teardown?.();
  }
}
