import { readFileSync } from 'node:fs';
import { logitGradient, type Model, type ModelRequest, type OutputName, planRequest, tensor } from '@salience/core';
import { expect, it } from 'vitest';
import { describeModelConformance } from './conformance.js';

// The root README's custom adapter, as written there (the test below keeps the two the same).
// readme:start
// f(x) = W x: d logit c / d x is row c of W.
const W = [
  [1, -2, 0.5],
  [0, 3, -1],
  [-1, 1, 2],
];
const facts = { layout: 'NC' as const, inputShape: [null, 3], capabilities: new Set<OutputName>(['logits', 'inputGradients']), classes: 3, disposed: false };
const linear: Model = {
  ...facts,
  layers: () => [],
  async run<K extends OutputName>(request: ModelRequest<K>) {
    const plan = planRequest(facts, request);
    const { data: x, shape } = plan.input;
    const logits = tensor(
      x.map((_, i) => W[i % 3]!.reduce((s, w, j) => s + w * x[i - (i % 3) + j]!, 0)),
      shape,
    );
    if (!plan.gradients) return { logits } as never;
    const g = logitGradient(plan, logits);
    return {
      logits,
      inputGradients: tensor(
        g.map((_, i) => W.reduce((s, w, c) => s + g[i - (i % 3) + c]! * w[i % 3]!, 0)),
        shape,
      ),
    } as never;
  },
  dispose() {
    facts.disposed = true;
  },
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
