import type { Attribution, TensorData } from '@salience/core';
import { checkPluginCompatibility } from '@salience/core';
import type { MethodConformanceSubject } from './subject.js';
import { attributeChecked, DEFAULT_METHOD_TOLERANCE, expectSameMaps, fail, mapOf, methodBaseline, stackMaps } from './subject.js';

/** A seed shared by every call whose maps are compared, so that seeded methods can be compared too. */
export const COMPARISON_SEED = 11;

/** The method describes itself coherently, and the subject's model and input suit it. */
export async function checkMethodDescription(subject: MethodConformanceSubject): Promise<void> {
  const { method, model, input } = subject;
  if (typeof method.id !== 'string' || method.id === '') fail(`method.id is ${JSON.stringify(method.id)}; it must be a non-empty string.`);
  if (!Array.isArray(method.requires) || method.requires.length === 0 || method.requires.some((r) => typeof r !== 'string')) {
    fail(`method.requires is ${JSON.stringify(method.requires)}; it must list the model outputs the method needs, e.g. ['logits'].`);
  }
  if (typeof method.attribute !== 'function') fail('method.attribute must be a function (model, input, options) => Promise<Attribution>.');
  const missing = method.requires.filter((r) => !model.capabilities.has(r));
  if (missing.length > 0) fail(`The subject's model does not provide ${missing.join(', ')}, which '${method.id}' requires; give the suite a model that does.`);
  const fits = input.shape.length === model.inputShape.length && model.inputShape.every((d, i) => d === null || d === input.shape[i]);
  if (!fits) fail(`The subject's input has shape [${input.shape.join(', ')}], which does not fit the model's inputShape [${model.inputShape.map((d) => d ?? '?').join(', ')}].`);
  if (input.shape[0]! < 2) fail(`The subject's input has ${input.shape[0]} example; give at least 2 so that per-example targets and batching can be tested.`);
  if (method.plugin !== undefined) {
    const { name, coreVersion } = method.plugin;
    if (typeof name !== 'string' || name === '' || typeof coreVersion !== 'string') {
      fail(`method.plugin is ${JSON.stringify(method.plugin)}; it must be { name: your package name, coreVersion: the @salience/core version you built against }.`);
    }
    const compatibility = checkPluginCompatibility(method, { warn: () => {} });
    if (!compatibility.compatible) fail(compatibility.message ?? 'The plugin is not compatible with this @salience/core.');
  }
}

/** The shape that one map must have, from the attribution's layout and the model's input. */
function expectedMapShape(subject: MethodConformanceSubject, a: Attribution): readonly (number | null)[] {
  if (subject.mapShape) return subject.mapShape;
  const { model, input } = subject;
  const rowShape = input.shape.slice(1);
  if (a.layout === model.layout) return rowShape;
  if (a.layout === 'NHW' && model.layout === 'NCHW') return rowShape.slice(1);
  if (a.layout === 'NHW' && model.layout === 'NHWC') return rowShape.slice(0, 2);
  if (a.layout === 'NT' && model.layout === 'tokens') return [rowShape[0]!];
  if (a.layout === 'NTD' && model.layout === 'tokens') return [rowShape[0]!, null];
  return fail(
    `Maps of layout '${a.layout}' do not describe the input of a model of layout '${model.layout}'; use the model's layout, 'NHW' for images, 'NT'/'NTD' for tokens, or set subject.mapShape when the maps have a shape of their own.`,
  );
}

function checkMapShape(subject: MethodConformanceSubject, a: Attribution, what: string): void {
  const want = expectedMapShape(subject, a);
  const got = a.values.shape.slice(1);
  if (got.length !== want.length || want.some((d, i) => d !== null && d !== got[i])) {
    fail(`${what}: each map has shape [${got.join(', ')}]; layout '${a.layout}' of this input needs [${want.map((d) => d ?? '?').join(', ')}].`);
  }
}

function checkPairs(a: Attribution, examples: ArrayLike<number>, targets: ArrayLike<number>, what: string): void {
  const show = (x: ArrayLike<number>) => `[${Array.from(x).join(', ')}]`;
  if (show(a.examples) !== show(examples)) fail(`${what}: attribution.examples is ${show(a.examples)}; expected ${show(examples)} (example-major, one map per pair).`);
  if (show(a.targets) !== show(targets)) fail(`${what}: attribution.targets is ${show(a.targets)}; expected ${show(targets)}.`);
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

/** With the default target, one map per example for its predicted class, shaped like the input in the attribution's layout, not all zero. */
export async function checkMethodOutput(subject: MethodConformanceSubject): Promise<void> {
  const { attribution: a } = await attributeChecked(subject, { seed: COMPARISON_SEED });
  const { predicted } = await methodBaseline(subject);
  const what = 'With the default target';
  checkPairs(a, upTo(subject.input.shape[0]!), predicted, `${what} ('predicted')`);
  checkMapShape(subject, a, what);
  if (a.values.data.every((v) => v === 0)) fail(`${what}, every map is all zeros; the suite's model responds to its input, so a method must find something.`);
}

/** One call per target, all with the comparison seed. */
async function separateMaps(subject: MethodConformanceSubject, targets: readonly (number | number[])[]): Promise<Attribution[]> {
  const out: Attribution[] = [];
  for (const target of targets) out.push((await attributeChecked(subject, { seed: COMPARISON_SEED, target })).attribution);
  return out;
}

/**
 * A class index applies to every example; one index per example (plain or typed array) to each
 * example; and the map of an example for a class does not depend on what the others are explained for.
 */
export async function checkMethodTargets(subject: MethodConformanceSubject): Promise<void> {
  const rows = subject.input.shape[0]!;
  const tolerance = subject.tolerance ?? DEFAULT_METHOD_TOLERANCE;
  const { targets, predicted, classes } = await methodBaseline(subject);
  const perExample = Array.from(targets);
  const { attribution: single } = await attributeChecked(subject, { seed: COMPARISON_SEED, target: perExample[0] });
  checkPairs(single, upTo(rows), new Array(rows).fill(perExample[0]), `With target ${perExample[0]}`);
  const what = `With per-example targets [${perExample.join(', ')}]`;
  const { attribution: plain } = await attributeChecked(subject, { seed: COMPARISON_SEED, target: perExample });
  checkPairs(plain, upTo(rows), perExample, what);
  const { attribution: typed } = await attributeChecked(subject, { seed: COMPARISON_SEED, target: Int32Array.from(perExample) });
  expectSameMaps(typed.values, plain.values, 0, `${what} as an Int32Array rather than an array`);

  const byClass = new Map<number, Attribution>();
  for (const c of new Set(perExample)) byClass.set(c, (c === perExample[0] ? single : (await separateMaps(subject, [c]))[0])!);
  const expected = stackMaps(perExample.map((c, r) => mapOf(byClass.get(c)!, r)));
  expectSameMaps(plain.values, expected, tolerance, `${what}, compared with one call per class`);

  if (classes > 1) {
    const { attribution: forPredicted } = await attributeChecked(subject, { seed: COMPARISON_SEED, target: Array.from(predicted) });
    const same = plain.values.data.every((v, i) => Math.abs(v - forPredicted.values.data[i]!) <= 1e-7 * (1 + Math.abs(v)));
    if (same)
      fail(`The maps for targets [${perExample.join(', ')}] equal those for the predicted classes [${Array.from(predicted).join(', ')}]: the method seems to ignore the target.`);
  }
}

function topK(logits: TensorData, row: number, k: number): number[] {
  const classes = logits.shape[1]!;
  const scores = logits.data.subarray(row * classes, (row + 1) * classes);
  return upTo(classes)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/**
 * `{ classes }` and `{ topK }` give one map per (example, class) pair, example-major, each equal
 * to the map that a separate call for that class gives.
 */
export async function checkMethodMultiTargets(subject: MethodConformanceSubject): Promise<void> {
  const rows = subject.input.shape[0]!;
  const tolerance = subject.tolerance ?? DEFAULT_METHOD_TOLERANCE;
  const { classes, logits } = await methodBaseline(subject);
  if (classes < 2) fail('Multi-target checks need a model with at least 2 classes.');
  const pair = [classes - 1, 0];
  const ranked = upTo(rows).map((r) => topK(logits, r, 2));
  const cases: { target: object; label: string; perPair: (r: number, k: number) => number; separate: (number | number[])[] }[] = [
    { target: { classes: pair }, label: `{ classes: [${pair.join(', ')}] }`, perPair: (_, k) => pair[k]!, separate: pair },
    { target: { topK: 2 }, label: '{ topK: 2 }', perPair: (r, k) => ranked[r]![k]!, separate: [0, 1].map((k) => ranked.map((t) => t[k]!)) },
  ];
  for (const c of cases) {
    const { attribution: multi } = await attributeChecked(subject, { seed: COMPARISON_SEED, target: c.target });
    const examples = upTo(rows).flatMap((r) => [r, r]);
    checkPairs(
      multi,
      examples,
      examples.map((r, i) => c.perPair(r, i % 2)),
      `With target ${c.label}`,
    );
    checkMapShape(subject, multi, `With target ${c.label}`);
    const separate = await separateMaps(subject, c.separate);
    const expected = stackMaps(examples.map((r, i) => mapOf(separate[i % 2]!, r)));
    expectSameMaps(multi.values, expected, tolerance, `With target ${c.label}, compared with separate calls for each class`);
  }
}
