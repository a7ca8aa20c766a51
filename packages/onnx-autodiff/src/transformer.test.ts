import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';

/** A two-block transformer exported by PyTorch, and PyTorch autograd's gradient at its token embeddings. */
const fixtures = new URL('../test/fixtures/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('tinybert.json', fixtures), 'utf8')) as {
  input_ids: number[][];
  target: number[];
  logits: number[][];
  embedding_gradient: number[][][];
};

describe('a transformer exported from PyTorch (attention, LayerNormalization, erf GELU, masks)', () => {
  it('gradient of the target logit at the token-embedding Gather equals PyTorch autograd', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('tinybert.onnx', fixtures)));
    const graph = ModelGraph.decode(bytes);
    const gather = graph.nodes.find((n) => n.opType === 'Gather' && n.input?.[0] === 'emb.weight');
    const embeddings = gather!.output![0]!;
    const built = addGradients(graph, { of: 'logits', seed: 'seed', wrt: [embeddings] });
    const session = await ort.InferenceSession.create(built.model, { intraOpNumThreads: 1 });
    const [batch, length] = [cases.input_ids.length, cases.input_ids[0]!.length];
    const classes = cases.logits[0]!.length;
    const seed = new Float32Array(batch * classes);
    cases.target.forEach((t, b) => {
      seed[b * classes + t] = 1;
    });
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(cases.input_ids.flat(), BigInt), [batch, length]),
      seed: new ort.Tensor('float32', seed, [batch, classes]),
    });
    const logits = out.logits!.data as Float32Array;
    cases.logits.flat().forEach((v, i) => {
      expect(logits[i]).toBeCloseTo(v, 5);
    });
    const expected = cases.embedding_gradient.flat(2);
    const got = out[built.gradients[embeddings]!]!.data as Float32Array;
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = expected.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]!)), 0);
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    await session.release();
  });
});
