import type { ModelRequest, OutputName, TensorData } from '@salience/core';
import { allOutputs } from './consistency-checks.js';
import { testableGradients } from './output-checks.js';
import { softLabels } from './perturbation.js';
import type { ConformanceSubject } from './subject.js';
import { baseline, has, KNOWN_OUTPUTS, runChecked } from './subject.js';

/** One kind of request that the suite sends, and whether a conforming model answers it. */
export interface CatalogueEntry {
  readonly name: string;
  readonly fails: boolean;
  /** A fresh request each time (a fresh signal, fresh labels). */
  make(): ModelRequest;
}

/** A shape that the model's inputShape rules out: one more dimension. */
export function misshapenInput(input: TensorData): TensorData {
  return { data: input.data.slice(), shape: [...input.shape, 1] };
}

/** Every kind of request, valid and invalid, that a model with these capabilities may receive. */
export async function requestCatalogue(subject: ConformanceSubject): Promise<CatalogueEntry[]> {
  const { input, layer, model } = subject;
  const { targets, classes } = await baseline(subject);
  const rows = input.shape[0]!;
  const target = Array.from(targets);
  const entries: CatalogueEntry[] = [{ name: 'logits', fails: false, make: () => ({ input, outputs: ['logits'] }) }];
  const gradients = testableGradients(subject);
  for (const output of gradients) {
    entries.push({ name: `${output}, per-example targets`, fails: false, make: () => ({ input, outputs: [output], target, layer }) });
  }
  if (gradients.length > 0) {
    const outputs = gradients.join(', ');
    entries.push(
      { name: `${outputs}, target 'predicted', probability`, fails: false, make: () => ({ input, outputs: gradients, target: 'predicted', objective: 'probability', layer }) },
      {
        name: `${outputs}, cross-entropy with labels`,
        fails: false,
        make: () => ({ input, outputs: gradients, target, objective: { kind: 'cross-entropy', labels: softLabels(rows, classes, 5) }, layer }),
      },
      { name: `${outputs} without a target`, fails: true, make: () => ({ input, outputs: gradients, layer }) },
      { name: `${outputs} for class ${classes}`, fails: true, make: () => ({ input, outputs: gradients, target: classes, layer }) },
    );
  }
  if (layer !== undefined && has(subject, 'layerActivations')) {
    entries.push({ name: 'layerActivations', fails: false, make: () => ({ input, outputs: ['layerActivations'], layer }) });
    const { layerActivations } = await runChecked(model, { input, outputs: ['layerActivations'], layer });
    entries.push({ name: 'logits from request.layerActivations', fails: !model.runsFromLayers, make: () => ({ input, layer, layerActivations, outputs: ['logits'] }) });
  }
  if (has(subject, 'layerActivations') || has(subject, 'layerGradients')) {
    const output: OutputName = has(subject, 'layerActivations') ? 'layerActivations' : 'layerGradients';
    entries.push({ name: `${output} of an unknown layer`, fails: true, make: () => ({ input, outputs: [output], target, layer: '__no_such_layer__' }) });
  }
  if (has(subject, 'embeddings')) {
    const { embeddings } = await runChecked(model, { input, outputs: ['embeddings'] });
    entries.push(
      { name: 'embeddings', fails: false, make: () => ({ input, outputs: ['embeddings'] }) },
      { name: 'logits from request.embeddings', fails: false, make: () => ({ input, embeddings, outputs: ['logits'] }) },
    );
    if (has(subject, 'embeddingGradients')) {
      entries.push({ name: 'embeddingGradients from request.embeddings', fails: false, make: () => ({ input, embeddings, outputs: ['embeddingGradients'], target }) });
    }
  }
  const everything = allOutputs(subject);
  if (everything.length > 1) entries.push({ name: `all of ${everything.join(', ')}`, fails: false, make: () => ({ input, outputs: everything, target, layer }) });
  entries.push(
    { name: 'a misshapen input', fails: true, make: () => ({ input: misshapenInput(input), outputs: ['logits'] }) },
    {
      name: 'an aborted signal',
      fails: true,
      make: () => {
        const controller = new AbortController();
        controller.abort();
        return { input, outputs: everything, target, layer, signal: controller.signal };
      },
    },
  );
  const undeclared = KNOWN_OUTPUTS.filter((o) => !has(subject, o));
  if (undeclared.length > 0) {
    entries.push({
      name: `undeclared ${undeclared.join(', ')}`,
      fails: true,
      make: () => ({ input, outputs: undeclared, target: 0, layer: layer ?? model.layers()[0]?.name ?? 'layer' }),
    });
  }
  return entries;
}
