import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelError, OptionError, ShapeError } from '@salience/core';
import { expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { batchOfOneModel, int32TokenModel, linearModel, twoInputTwoOutputModel } from '../test/tiny-models.js';
import { fromOnnx } from './onnx-model.js';
import { defaultMaxPoolTies } from './options.js';
import type { OrtModule } from './ort-types.js';

const runtime = ort as unknown as OrtModule;
const options = { sessionOptions: TEST_SESSION_OPTIONS };

describe('where the model comes from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'salience-onnx-'));
  const path = join(dir, 'linear.onnx');
  writeFileSync(path, linearModel('batch'));
  const input = { data: Float32Array.from({ length: 6 }, (_, i) => i / 6 - 0.4), shape: [2, 3] };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a path, a file URL, an ArrayBuffer and bytes alike', async () => {
    const bytes = linearModel('batch');
    const sources = [path, pathToFileURL(path), bytes.slice().buffer as ArrayBuffer, bytes];
    const answers = [];
    for (const source of sources) {
      const model = await fromOnnx(runtime, source, options);
      answers.push(Array.from((await model.run({ input, outputs: ['logits'] })).logits.data));
      model.dispose();
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    await expect(fromOnnx(runtime, join(dir, 'missing.onnx'))).rejects.toThrow(ModelError);
  });

  it("uses the caller's session for logits and leaves it open on dispose", async () => {
    const bytes = linearModel('batch');
    const session = await ort.InferenceSession.create(bytes, TEST_SESSION_OPTIONS);
    let runs = 0;
    const counted = new Proxy(session, {
      get: (target, p) => {
        if (p !== 'run') return Reflect.get(target, p, target);
        return (...a: Parameters<typeof session.run>) => {
          runs++;
          return target.run(...a);
        };
      },
    });
    const model = await fromOnnx(runtime, { bytes, session: counted }, options);
    await model.run({ input, outputs: ['logits'] });
    expect(runs).toBe(1);
    const { inputGradients } = await model.run({ input, outputs: ['inputGradients'], target: 1 });
    expect(inputGradients.shape).toEqual([2, 3]);
    expect(runs).toBe(1);
    model.dispose();
    await expect(model.run({ input, outputs: ['logits'] })).rejects.toThrow(/disposed/);
    await session.run({ x: new ort.Tensor('float32', input.data, [2, 3]) });
    await session.release();
  });
});

describe('names, types and shapes come from the graph', () => {
  it('lists the inputs and outputs when they are ambiguous or unknown', async () => {
    const two = twoInputTwoOutputModel();
    await expect(fromOnnx(runtime, two)).rejects.toThrow(/2 inputs \('a', 'b'\).*'input' option/);
    await expect(fromOnnx(runtime, two, { input: 'a' })).rejects.toThrow(/2 outputs \('sum', 'product'\)/);
    await expect(fromOnnx(runtime, two, { input: 'c', output: 'sum' })).rejects.toThrow(/no graph input 'c'; its inputs are 'a', 'b'/);
    // The other input is fed with each row: given in context, or the run fails naming it.
    const model = await fromOnnx(runtime, two, { input: 'a', output: 'sum', sessionOptions: TEST_SESSION_OPTIONS });
    const row = { data: Float32Array.from([1, 2]), shape: [1, 2] };
    await expect(model.run({ input: row, outputs: ['logits'] })).rejects.toThrow(/input 'b' \(float32, \[batch, 2\]\) cannot be derived/);
    expect(Array.from((await model.run({ input: row, outputs: ['logits'], context: { b: row } })).logits.data)).toEqual([2, 4]);
    model.dispose();
    await expect(fromOnnx(runtime, linearModel('batch'), { output: 'h' })).rejects.toThrow(/no graph output 'h'; its outputs are 'logits'/);
  });

  it('rejects what is not a model, a runtime or valid options, with typed errors', async () => {
    await expect(fromOnnx(runtime, new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(ModelError);
    await expect(fromOnnx({} as OrtModule, linearModel('batch'))).rejects.toThrow(/ONNX Runtime module first/);
    await expect(fromOnnx(runtime, linearModel('batch'), { maxPoolTies: 'last' as 'first' })).rejects.toThrow(OptionError);
    await expect(fromOnnx(runtime, linearModel('batch'), { layout: 'NCHW' })).rejects.toThrow(/rank 2: its layout is NC/);
    await expect(fromOnnx(runtime, linearModel('batch'), { embedding: 'emb' })).rejects.toThrow(/token models/);
    await expect(fromOnnx(runtime, 42 as unknown as Uint8Array)).rejects.toThrow(OptionError);
  });

  it('declares NCHW for images, with the graph shape as inputShape, and checks inputs against it', async () => {
    const fixture = await loadCaptumFixture('colorcnn');
    const model = await fromOnnx(runtime, fixture.modelBytes, options);
    expect(model.layout).toBe('NCHW');
    expect(model.inputShape).toEqual([null, 3, 32, 32]);
    expect([model.inputName, model.outputName, model.inputType]).toEqual(['input', 'logits', 'float32']);
    const nhwc = { data: new Float32Array(32 * 32 * 3), shape: [1, 32, 32, 3] };
    await expect(model.run({ input: nhwc, outputs: ['logits'] })).rejects.toThrow(/takes \[batch, 3, 32, 32\].*layout is NCHW/);
    model.dispose();
  });

  it("picks PyTorch's MaxPool tie rule on every provider, webgpu included (it is float-only)", async () => {
    expect(defaultMaxPoolTies(undefined)).toBe('first');
    expect(defaultMaxPoolTies({ executionProviders: ['cpu'] })).toBe('first');
    expect(defaultMaxPoolTies({ executionProviders: ['webgpu', 'wasm'] })).toBe('first');
    expect(defaultMaxPoolTies({ executionProviders: [{ name: 'webgpu' }] })).toBe('first');
    const fixture = await loadCaptumFixture('smallcnn');
    const model = await fromOnnx(runtime, fixture.modelBytes, { ...options, maxPoolTies: 'split' });
    expect(model.maxPoolTies).toBe('split');
    const { inputGradients } = await model.run({ input: fixture.input, outputs: ['inputGradients'], target: fixture.target });
    expectMapsClose(inputGradients, fixture.cases.gradient!, 1e-5);
    model.dispose();
  });
});

describe('failures inside ONNX Runtime', () => {
  it('are ModelErrors that keep the runtime error as cause', async () => {
    const model = await fromOnnx(runtime, batchOfOneModel(), options);
    const error = await model.run({ input: { data: new Float32Array(8), shape: [2, 4] }, outputs: ['logits'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).message).toMatch(/^ONNX Runtime failed to run the model: .*Reshape/s);
    expect((error as ModelError).cause).toBeInstanceOf(Error);
    model.dispose();
  });
});

describe('a batch size fixed by the graph', () => {
  it('is run in chunks of that size, the last one padded, with the answers of a dynamic-batch model', async () => {
    const fixed = await fromOnnx(runtime, linearModel(2), options);
    const dynamic = await fromOnnx(runtime, linearModel('batch'), options);
    expect(fixed.inputShape).toEqual([null, 3]);
    const input = { data: Float32Array.from({ length: 15 }, (_, i) => Math.cos(i)), shape: [5, 3] };
    const request = {
      input,
      outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'] as const,
      target: [0, 1, 2, 3, 1],
      layer: 'h',
      objective: 'probability' as const,
    };
    const [a, b] = [await fixed.run(request), await dynamic.run(request)];
    for (const output of request.outputs) {
      expect(a[output].shape).toEqual(b[output].shape);
      expectMapsClose(a[output], b[output], 1e-6, output);
    }
    fixed.dispose();
    dynamic.dispose();
  });
});

describe('token models', () => {
  it('feed int32 ids, find the Gather, and check ids against its table', async () => {
    const model = await fromOnnx(runtime, int32TokenModel(), options);
    expect([model.layout, model.inputType, model.embedding]).toEqual(['tokens', 'int32', '/emb/Gather_output_0']);
    expect(model.layers().map((l) => l.name)).toContain('emb');
    const input = { data: Float32Array.from([1, 2, 3, 0, 0, 9, 8, 7, 6, 5]), shape: [2, 5] };
    const out = await model.run({ input, outputs: ['logits', 'embeddings', 'embeddingGradients'], target: [0, 1] });
    expect(out.embeddings.shape).toEqual([2, 5, 4]);
    // mean over 5 tokens, then the head's column: each token gets head[:, target] / 5.
    const head = [1, -1, 0.5, 2, -0.3, 0.7, 1.1, -0.2];
    for (let t = 0; t < 5; t++) for (let d = 0; d < 4; d++) expect(out.embeddingGradients.data[(5 + t) * 4 + d]).toBeCloseTo(head[d * 2 + 1]! / 5, 6);
    const again = await model.run({ input, embeddings: out.embeddings, outputs: ['logits'] });
    expectMapsClose(again.logits, out.logits, 1e-6);
    await expect(model.run({ input: { data: Float32Array.from([1, 2, 3, 4, 10]), shape: [1, 5] }, outputs: ['logits'] })).rejects.toThrow(ShapeError);
    await expect(model.run({ input: { data: Float32Array.from([1, 2, 3, 4, 0.5]), shape: [1, 5] }, outputs: ['logits'] })).rejects.toThrow(/0\.\.9/);
    model.dispose();
  });

  it('name the embedding by module or tensor, and explain a wrong name', async () => {
    for (const embedding of ['emb', '/emb/Gather_output_0']) {
      const model = await fromOnnx(runtime, int32TokenModel(), { ...options, embedding });
      expect(model.embedding).toBe('/emb/Gather_output_0');
      model.dispose();
    }
    await expect(fromOnnx(runtime, int32TokenModel(), { embedding: 'pooled' })).rejects.toThrow(/not the output of a Gather.*'\/emb\/Gather_output_0'/);
  });
});
