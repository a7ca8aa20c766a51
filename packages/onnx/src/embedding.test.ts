import { ModelGraph } from '@salience/onnx-autodiff';
import { expectMapsClose } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { gpt2StyleModel, maskedTextModel, unsqueezedIdsModel } from '../test/text-models.js';
import { embeddingInputGraph, findEmbedding, stillTakesIds } from './embedding.js';
import { LayerCatalogue } from './layers.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const runtime = ort as unknown as OrtModule;
const options = { sessionOptions: TEST_SESSION_OPTIONS };
const ids = { data: Float32Array.from([3, 7, 1, 9, 0, 0, 5, 2, 11, 4, 6, 0]), shape: [2, 6] };

function open(bytes: Uint8Array, input = 'input_ids') {
  const graph = ModelGraph.decode(bytes);
  return { graph, layers: new LayerCatalogue(graph, input) };
}

describe('finding the embedding lookup', () => {
  it('follows Reshape, Unsqueeze and Cast of the ids, and records the reshaped ids', () => {
    const gpt2 = open(gpt2StyleModel());
    const point = findEmbedding(gpt2.graph, 'input_ids', undefined, gpt2.layers)!;
    expect([point.tensor, point.reshapedIds, point.vocabulary, point.dimension]).toEqual(['/transformer/wte/Gather_output_0', '/transformer/Reshape_output_0', 12, 4]);
    const unsqueezed = open(unsqueezedIdsModel(), 'ids');
    expect(findEmbedding(unsqueezed.graph, 'ids', undefined, unsqueezed.layers)?.tensor).toBe('/emb/Gather_output_0');
    const bert = open(maskedTextModel({ tokenTypes: true }));
    // The token-type lookup reads token_type_ids, not the ids: one lookup of the ids, read directly.
    const direct = findEmbedding(bert.graph, 'input_ids', undefined, bert.layers)!;
    expect([direct.tensor, direct.reshapedIds]).toEqual(['/embeddings/word_embeddings/Gather_output_0', undefined]);
  });

  it('takes a module, a module suffix, a weight name or a tensor, and explains a name that fits none or several', () => {
    const { graph, layers } = open(maskedTextModel());
    for (const name of ['embeddings.word_embeddings', 'word_embeddings', 'embeddings.word_embeddings.weight', '/embeddings/word_embeddings/Gather_output_0']) {
      expect(findEmbedding(graph, 'input_ids', name, layers)?.tensor).toBe('/embeddings/word_embeddings/Gather_output_0');
    }
    expect(() => findEmbedding(graph, 'input_ids', 'pooled', layers)).toThrow(
      /'pooled' is not the output of a Gather node; the lookups of the ids are '\/embeddings\/word_embeddings\/Gather_output_0' \(node/,
    );
    // Two tables read the same ids: no default, and a fragment that names both is refused.
    const g = ModelGraph.create({ inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] }] });
    const a = g.add('Gather', [g.constant([1, 2, 3, 4], 'float32', [2, 2], 'emb.a.weight'), 'input_ids'], { axis: 0 }, { name: '/emb/a/Gather' });
    const b = g.add('Gather', [g.constant([5, 6, 7, 8], 'float32', [2, 2], 'emb.b.weight'), 'input_ids'], { axis: 0 }, { name: '/emb/b/Gather' });
    g.add('ReduceSum', [g.add('Add', [a, b]), g.int64s([1])], { keepdims: 0 }, { output: 'logits' });
    g.addOutput('logits');
    const two = open(g.toBytes());
    expect(findEmbedding(two.graph, 'input_ids', undefined, two.layers)).toBeUndefined();
    expect(findEmbedding(two.graph, 'input_ids', 'b', two.layers)?.tensor).toBe(b);
    expect(() => findEmbedding(two.graph, 'input_ids', 'emb', two.layers)).toThrow(/names 2 lookups of the ids/);
  });
});

describe('the embeddings-input graph', () => {
  it('reshapes embeddings of the ids shape as the ids were reshaped, and keeps the ids for that shape', () => {
    const { graph, layers } = open(gpt2StyleModel());
    const point = findEmbedding(graph, 'input_ids', undefined, layers)!;
    const edited = embeddingInputGraph(graph, point, 'input_ids');
    expect(stillTakesIds(edited, 'input_ids')).toBe(true);
    expect(edited.inputs).toContain(point.tensor);
    expect(edited.info(point.tensor).shape).toEqual(['batch', 'sequence', 4]);
    expect(edited.nodes.some((n) => n.opType === 'Gather' && n.input?.[0] === 'transformer.wte.weight')).toBe(false);
    // Every node reads only what is computed before it.
    const known = new Set([...edited.inputs, ...edited.initializers.map((t) => t.name)]);
    for (const node of edited.nodes) {
      for (const input of node.input ?? []) if (input) expect(known.has(input), `${node.name} reads ${input}`).toBe(true);
      for (const output of node.output ?? []) known.add(output);
    }
  });

  it('runs a model whose lookup reads Cast(Unsqueeze(ids)): [B, 1, T, D] looked up, [B, T, D] answered and fed', async () => {
    const model = await fromOnnx(runtime, unsqueezedIdsModel(), options);
    expect(model.embedding).toBe('/emb/Gather_output_0');
    const real = await model.run({ input: ids, outputs: ['logits', 'embeddings', 'embeddingGradients'], target: [0, 1] });
    expect(real.embeddings.shape).toEqual([2, 6, 4]);
    expect(real.embeddingGradients.shape).toEqual([2, 6, 4]);
    const again = await model.run({ input: ids, embeddings: real.embeddings, outputs: ['logits', 'embeddingGradients'], target: [0, 1] });
    expectMapsClose(again.logits, real.logits, 1e-6);
    expectMapsClose(again.embeddingGradients, real.embeddingGradients, 1e-6);
    model.dispose();
  });
});
