import type { TensorData } from '@salience/core';
import type { MethodConformanceSubject, Settled } from './subject.js';
import { attributeChecked, fail, methodBaseline, settle, spyModel } from './subject.js';

/** onProgress reports (done, total) after the work: done never goes back, total never changes, and the last report is done === total. */
export async function checkMethodProgress(subject: MethodConformanceSubject): Promise<void> {
  const reports: [number, number][] = [];
  await attributeChecked(subject, { batchSize: 1, onProgress: (done: number, total: number) => reports.push([done, total]) });
  if (reports.length === 0) fail('onProgress was never called; call it after each model call (forEachBatch does).');
  const shown = () => reports.map(([d, t]) => `${d}/${t}`).join(', ');
  const total = reports[0]![1];
  if (!(Number.isFinite(total) && total > 0)) fail(`onProgress reported a total of ${total}; it must be a positive number (${shown()}).`);
  reports.forEach(([done, t], i) => {
    if (t !== total) fail(`onProgress changed its total from ${total} to ${t} (${shown()}).`);
    if (!(done >= 0 && done <= total)) fail(`onProgress reported ${done} done of ${total} (${shown()}).`);
    if (i > 0 && done < reports[i - 1]![0]) fail(`onProgress went back from ${reports[i - 1]![0]} to ${done} (${shown()}).`);
  });
  const [last] = reports[reports.length - 1]!;
  if (last !== total) fail(`The last onProgress report is ${last} of ${total}; report done === total when the work is finished (${shown()}).`);
}

/** The calls that every lifecycle check makes: valid ones with one and several targets, rejected ones, and an aborted one. */
async function lifecycleCalls(subject: MethodConformanceSubject): Promise<{ name: string; run: () => Promise<Settled>; fails: boolean }[]> {
  const { targets, classes } = await methodBaseline(subject);
  const perExample = Int32Array.from(targets);
  const calls = [
    { name: 'a call with the default target', fails: false, run: () => settle(subject, {}) },
    { name: 'a call with per-example targets', fails: false, run: () => settle(subject, { target: perExample }) },
    { name: 'a call with batchSize 0', fails: true, run: () => settle(subject, { batchSize: 0 }) },
    { name: `a call for class ${classes}`, fails: true, run: () => settle(subject, { target: classes }) },
    {
      name: 'a call aborted during its first model call',
      fails: true,
      run: () => {
        const controller = new AbortController();
        const spy = spyModel(subject.model, { onCall: () => controller.abort(new Error('stop')) });
        return settle(subject, { signal: controller.signal, batchSize: 1 }, spy);
      },
    },
  ];
  if (classes > 1) calls.splice(2, 0, { name: 'a call with target { topK: 2 }', fails: false, run: () => settle(subject, { target: { topK: 2 } }) });
  return calls;
}

/** No call, answered or rejected, changes the caller's input or per-example targets. */
export async function checkMethodNoMutation(subject: MethodConformanceSubject): Promise<void> {
  const snapshot = (t: TensorData) => ({ data: Float32Array.from(t.data), shape: t.shape.join() });
  const before = snapshot(subject.input);
  for (const call of await lifecycleCalls(subject)) {
    const outcome = await call.run();
    if (outcome.ok === call.fails) {
      const e = outcome.ok ? undefined : (outcome.error as Error);
      fail(`${call.name} ${outcome.ok ? 'resolved; it must be rejected' : `was rejected (${e?.name}: ${e?.message}); it must resolve`}.`);
    }
    const now = subject.input;
    if (now.shape.join() !== before.shape || now.data.some((v, i) => !Object.is(v, before.data[i]))) fail(`${call.name} changed the caller's input; a method must not mutate it.`);
    if (outcome.ok && outcome.attribution.values.data.buffer === subject.input.data.buffer) {
      fail(`${call.name} returned maps that share memory with the caller's input; return a new array.`);
    }
  }
  const perExample = Int32Array.from((await methodBaseline(subject)).targets);
  const copy = Int32Array.from(perExample);
  await settle(subject, { target: perExample });
  if (perExample.some((t, i) => t !== copy[i])) fail("A call with per-example targets changed the caller's target array.");
}

/**
 * liveTensors() is the same before and after every kind of call, answered or rejected. A call that
 * changes the count runs once more, so that one-time caches are not taken for leaks.
 */
export async function checkMethodNoLeaks(subject: MethodConformanceSubject): Promise<void> {
  const live = subject.liveTensors;
  if (!live) fail('This check needs subject.liveTensors.');
  const leaks: string[] = [];
  for (const call of await lifecycleCalls(subject)) {
    const measure = async () => {
      const before = live();
      const outcome = await call.run();
      return { before, after: live(), ok: outcome.ok };
    };
    let m = await measure();
    if (m.after !== m.before) m = await measure();
    if (m.after !== m.before) leaks.push(`${call.name} (${m.ok ? 'answered' : 'rejected'}): ${m.before} -> ${m.after}`);
  }
  if (leaks.length > 0) fail(`liveTensors() changed across calls of the method:\n  ${leaks.join('\n  ')}`);
}
