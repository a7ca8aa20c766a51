import { readFileSync } from 'node:fs';
import { type Model, type ModelRequest, type OutputName, argmaxRows, objectiveAndLogitGradient, planRequest, tensor } from '@salience/core';
import { expect, it } from 'vitest';
import { describeModelConformance } from './conformance.js';

// The root README's custom adapter, as written there (the test below keeps the two the same).
// readme:start
// f(x) = W x: a 3-feature, 2-class linear model; d logit c / d x is row c of W.
const W = [[1, -2, 0.5], [0, 3, -1]];
const facts = { layout: 'NC' as const, inputShape: [null, 3], capabilities: new Set<OutputName>(['logits', 'inputGradients']), classes: 2, disposed: false };
const linear: Model = {
  ...facts,
  layers: () => [],
  async run<K extends OutputName>(request: ModelRequest<K>) {
    const { input, rows, gradients, targets, objective } = planRequest(facts, request);
    const logits = tensor(Array.from({ length: rows * 2 }, (_, i) => W[i % 2].reduce((s, w, j) => s + w * input.data[Math.floor(i / 2) * 3 + j], 0)), [rows, 2]);
    if (!gradients) return { logits } as never;
    const g = objectiveAndLogitGradient(logits, targets === 'predicted' ? argmaxRows(logits) : targets, objective).gradient;
    return { logits, inputGradients: tensor(Array.from({ length: rows * 3 }, (_, i) => W.reduce((s, w, c) => s + g[Math.floor(i / 3) * 2 + c] * w[i % 3], 0)), [rows, 3]) } as never;
  },
  dispose() { facts.disposed = true; },
};
// readme:end

it("is the root README's custom adapter", () => {
  const between = (text: string, start: string, end: string) => text.slice(text.indexOf(start) + start.length, text.indexOf(end, text.indexOf(start))).trim();
  const own = between(readFileSync(new URL(import.meta.url), 'utf8'), '// readme:start', '// readme:end');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const example = between(readme.slice(readme.indexOf('## Writing a custom adapter')), "from '@salience/core';", '```');
  expect(example).toBe(own);
});

describeModelConformance("the README's custom adapter", () => ({ model: linear, input: tensor([0.3, -1, 2, 1, 0.5, -0.2, -1.5, 0.1, 0.7, 0.2, 0.2, -0.4], [4, 3]) }));
