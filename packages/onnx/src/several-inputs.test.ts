import { OptionError, ShapeError, type TensorData } from '@salience/core';
import { expectMapsClose } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadRuntime, TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { gpt2StyleLogits, gpt2StyleModel, IMAGE_WEIGHTS, maskedTextLogits, maskedTextModel, scaledImageModel } from '../test/text-models.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const runtime = ort as unknown as OrtModule;
const options = { sessionOptions: TEST_SESSION_OPTIONS };
const tensor = (values: readonly number[], shape: number[]): TensorData => ({ data: Float32Array.from(values), shape });

// Two rows of six tokens; 0 is padding.
const IDS = [3, 7, 1, 9, 0, 0, 5, 2, 11, 4, 6, 0];
const ids = tensor(IDS, [2, 6]);
const rowOf = (values: readonly number[], r: number) => values.slice(r * 6, r * 6 + 6);
const DERIVED_MASK = IDS.map((id) => (id === 0 ? 0 : 1));

function expectLogits(logits: TensorData, expected: readonly number[][]): void {
  expect(logits.shape).toEqual([expected.length, expected[0]!.length]);
  expected.flat().forEach((v, i) => {
    expect(logits.data[i]).toBeCloseTo(v, 5);
  });
}

describe('a text model with input_ids and attention_mask', () => {
  it('explains input_ids and derives the mask from the pad id (0 by default)', async () => {
    const model = await fromOnnx(runtime, maskedTextModel(), options);
    expect([model.inputName, model.layout, model.contextNames]).toEqual(['input_ids', 'tokens', ['attention_mask']]);
    expect(model.embedding).toBe('/embeddings/word_embeddings/Gather_output_0');
    expect(Array.from(model.contextOf(ids).attention_mask!.data)).toEqual(DERIVED_MASK);
    const { logits } = await model.run({ input: ids, outputs: ['logits'] });
    expectLogits(
      logits,
      [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r))),
    );
    model.dispose();
  });

  it('uses a mask given in context instead of the derived one, and padId when given', async () => {
    const model = await fromOnnx(runtime, maskedTextModel(), options);
    const ones = new Array(12).fill(1);
    const given = await model.run({ input: ids, outputs: ['logits'], context: { attention_mask: tensor(ones, [2, 6]) } });
    expectLogits(
      given.logits,
      [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), ones)),
    );
    model.dispose();
    const padFive = await fromOnnx(runtime, maskedTextModel(), { ...options, padId: 5 });
    const mask = IDS.map((id) => (id === 5 ? 0 : 1));
    expect(Array.from(padFive.contextOf(ids).attention_mask!.data)).toEqual(mask);
    expectLogits(
      (await padFive.run({ input: ids, outputs: ['logits'] })).logits,
      [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(mask, r))),
    );
    padFive.dispose();
    const noPad = await fromOnnx(runtime, maskedTextModel(), { ...options, padId: null });
    expect(Array.from(noPad.contextOf(ids).attention_mask!.data)).toEqual(ones);
    noPad.dispose();
    await expect(fromOnnx(runtime, maskedTextModel(), { padId: -1 })).rejects.toThrow(/padId must be a token id/);
  });

  it('feeds the mask as the graph declares it: int32, bool or float32', async () => {
    for (const type of ['int32', 'bool', 'float32'] as const) {
      const model = await fromOnnx(runtime, maskedTextModel({ mask: type }), options);
      const { logits } = await model.run({ input: ids, outputs: ['logits'] });
      expectLogits(
        logits,
        [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r))),
      );
      model.dispose();
    }
    const bool = await fromOnnx(runtime, maskedTextModel({ mask: 'bool' }), options);
    await expect(bool.run({ input: ids, outputs: ['logits'], context: { attention_mask: tensor(new Array(12).fill(2), [2, 6]) } })).rejects.toThrow(/0 or 1 \(bool\)/);
    bool.dispose();
  });

  it('feeds an int64 or bool mask on onnxruntime-web too, with gradients', async () => {
    const web = await loadRuntime('onnxruntime-web');
    for (const type of ['int64', 'bool'] as const) {
      const model = await fromOnnx(web, maskedTextModel({ mask: type }), options);
      const out = await model.run({ input: ids, outputs: ['logits', 'embeddingGradients'], target: 0 });
      expectLogits(
        out.logits,
        [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r))),
      );
      // Padding tokens get no gradient: the mask weighs them out.
      expect(out.embeddingGradients.data.slice(4 * 4, 6 * 4).every((v) => v === 0)).toBe(true);
      expect(out.embeddingGradients.data.slice(0, 4).some((v) => v !== 0)).toBe(true);
      model.dispose();
    }
  });

  it('checks given rows against the graph: names, rows, shared and fixed dims, integer values', async () => {
    const model = await fromOnnx(runtime, maskedTextModel(), options);
    const run = (context: Record<string, TensorData>) => model.run({ input: ids, outputs: ['logits'], context });
    await expect(run({ mask: tensor([1], [1, 1]) })).rejects.toThrow(/context.mask is not an input of the model; its inputs besides 'input_ids' are 'attention_mask'/);
    await expect(run({ input_ids: ids })).rejects.toThrow(/is the input being explained/);
    await expect(run({ attention_mask: tensor(new Array(6).fill(1), [1, 6]) })).rejects.toThrow(/one row per row of the input: \[2, \.\.\.\]/);
    // Checked by core's planRequest before the graph's own checks.
    await expect(run({ attention_mask: tensor(new Array(13).fill(1), [2, 6]) })).rejects.toThrow(/13 values but its shape \[2, 6\] needs 12/);
    await expect(run([] as never)).rejects.toThrow(/context must be an object/);
    await expect(run({ attention_mask: tensor(new Array(10).fill(1), [2, 5]) })).rejects.toThrow(/'attention_mask' has 5 for dimension 'sequence' where 'input_ids' has 6/);
    await expect(run({ attention_mask: tensor(new Array(12).fill(0.5), [2, 6]) })).rejects.toThrow(/integers \(int64\)/);
    await expect(run({ attention_mask: tensor(new Array(12).fill(1), [2, 6, 1]) })).rejects.toThrow(ShapeError);
    model.dispose();
    const fixed = await fromOnnx(runtime, maskedTextModel({ sequence: 6 }), options);
    expect(fixed.inputShape).toEqual([null, 6]);
    await expect(fixed.run({ input: ids, outputs: ['logits'], context: { attention_mask: tensor(new Array(10).fill(1), [2, 5]) } })).rejects.toThrow(
      /shape \[2, 5\], but the model's input 'attention_mask' is \[batch, 6\]/,
    );
    fixed.dispose();
  });

  it('pads the context rows with the input when the graph fixes the batch', async () => {
    const fixed = await fromOnnx(runtime, maskedTextModel({ batch: 2 }), options);
    const dynamic = await fromOnnx(runtime, maskedTextModel(), options);
    const three = tensor([...IDS, 4, 4, 8, 0, 0, 0], [3, 6]);
    const context = { attention_mask: tensor([...DERIVED_MASK, 1, 1, 1, 1, 0, 0], [3, 6]) };
    const request = { input: three, outputs: ['logits', 'embeddingGradients'] as const, target: [0, 1, 2], context };
    const [a, b] = [await fixed.run(request), await dynamic.run(request)];
    expectMapsClose(a.logits, b.logits, 1e-6);
    expectMapsClose(a.embeddingGradients, b.embeddingGradients, 1e-6);
    expect(a.logits.shape).toEqual([3, 3]);
    // The third row (a chunk of its own, padded) with its given mask, which keeps one id 0.
    expectLogits({ data: a.logits.data.slice(6), shape: [1, 3] }, [maskedTextLogits([4, 4, 8, 0, 0, 0], [1, 1, 1, 1, 0, 0])]);
    fixed.dispose();
    dynamic.dispose();
  });

  it('runs from embeddings with the mask of the real ids, given in context or derived from the ids passed', async () => {
    const model = await fromOnnx(runtime, maskedTextModel(), options);
    const real = await model.run({ input: ids, outputs: ['logits', 'embeddings', 'embeddingGradients'], target: [0, 2] });
    expect(real.embeddings.shape).toEqual([2, 6, 4]);
    // Baseline ids (all padding) with the real example's companions, as IG's methods pass them.
    const baseline = tensor(new Array(12).fill(0), [2, 6]);
    const context = model.contextOf(ids);
    const fromEmbeddings = await model.run({ input: baseline, embeddings: real.embeddings, context, outputs: ['logits', 'embeddingGradients'], target: [0, 2] });
    expectMapsClose(fromEmbeddings.logits, real.logits, 1e-6);
    expectMapsClose(fromEmbeddings.embeddingGradients, real.embeddingGradients, 1e-6);
    const derived = await model.run({ input: ids, embeddings: real.embeddings, outputs: ['logits'] });
    expectMapsClose(derived.logits, real.logits, 1e-6);
    model.dispose();
  });

  it('derives token_type_ids as zeros and takes given ones', async () => {
    const model = await fromOnnx(runtime, maskedTextModel({ tokenTypes: true }), options);
    expect(model.contextNames).toEqual(['attention_mask', 'token_type_ids']);
    expect(Array.from(model.contextOf(ids).token_type_ids!.data)).toEqual(new Array(12).fill(0));
    const zeros = new Array(6).fill(0);
    expectLogits(
      (await model.run({ input: ids, outputs: ['logits'] })).logits,
      [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r), zeros)),
    );
    const types = [0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1];
    const given = await model.run({ input: ids, outputs: ['logits', 'embeddingGradients'], target: 1, context: { token_type_ids: tensor(types, [2, 6]) } });
    expectLogits(
      given.logits,
      [0, 1].map((r) => maskedTextLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r), rowOf(types, r))),
    );
    expect(given.embeddingGradients.shape).toEqual([2, 6, 4]);
    model.dispose();
  });
});

describe('a GPT-2-style model (Reshape of the ids before the wte Gather, position_ids)', () => {
  const positions = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5];

  it('finds wte through the Reshape, derives positions 0..T-1, and runs from embeddings of the ids shape', async () => {
    const model = await fromOnnx(runtime, gpt2StyleModel(), options);
    expect(model.embedding).toBe('/transformer/wte/Gather_output_0');
    expect(model.capabilities.has('embeddingGradients')).toBe(true);
    expect(Array.from(model.contextOf(ids).position_ids!.data)).toEqual(positions);
    const real = await model.run({ input: ids, outputs: ['logits', 'embeddings', 'embeddingGradients'], target: [1, 0] });
    expectLogits(
      real.logits,
      [0, 1].map((r) => gpt2StyleLogits(rowOf(IDS, r), rowOf(DERIVED_MASK, r), rowOf(positions, r))),
    );
    expect(real.embeddings.shape).toEqual([2, 6, 4]);
    expect(real.embeddingGradients.shape).toEqual([2, 6, 4]);
    const again = await model.run({ input: ids, embeddings: real.embeddings, outputs: ['logits', 'embeddingGradients'], target: [1, 0] });
    expectMapsClose(again.logits, real.logits, 1e-6);
    expectMapsClose(again.embeddingGradients, real.embeddingGradients, 1e-6);
    // The embedding gradient by finite differences on the embeddings fed.
    const h = 1e-2;
    for (const at of [0, 9, 30, 41]) {
      const shifted = (by: number) => ({ data: Float32Array.from(real.embeddings.data, (v, i) => (i === at ? v + by : v)), shape: real.embeddings.shape });
      const [up, down] = [
        await model.run({ input: ids, embeddings: shifted(h), outputs: ['logits'] }),
        await model.run({ input: ids, embeddings: shifted(-h), outputs: ['logits'] }),
      ];
      const row = at < 24 ? 0 : 1;
      const target = row === 0 ? 1 : 0;
      expect(real.embeddingGradients.data[at]).toBeCloseTo((up.logits.data[row * 3 + target]! - down.logits.data[row * 3 + target]!) / (2 * h), 3);
    }
    model.dispose();
  });

  it('takes given position_ids, and names the embedding by module', async () => {
    const model = await fromOnnx(runtime, gpt2StyleModel(), { ...options, embedding: 'wte', padId: null });
    expect(model.embedding).toBe('/transformer/wte/Gather_output_0');
    const shifted = positions.map((p) => p + 2);
    const ones = new Array(12).fill(1);
    const { logits } = await model.run({ input: ids, outputs: ['logits'], context: { position_ids: tensor(shifted, [2, 6]) } });
    expectLogits(
      logits,
      [0, 1].map((r) => gpt2StyleLogits(rowOf(IDS, r), ones, rowOf(shifted, r))),
    );
    model.dispose();
    for (const embedding of ['transformer.wte', 'transformer.wte.weight']) {
      const named = await fromOnnx(runtime, gpt2StyleModel(), { ...options, embedding });
      expect(named.embedding).toBe('/transformer/wte/Gather_output_0');
      named.dispose();
    }
    await expect(fromOnnx(runtime, gpt2StyleModel(), { embedding: 'wpe' })).rejects.toThrow(/the lookups of the ids are '\/transformer\/wte\/Gather_output_0'/);
  });
});

describe('an image model with another input', () => {
  const pixels = tensor(
    Array.from({ length: 32 }, (_, i) => Math.cos(i)),
    [2, 1, 4, 4],
  );
  const scale = tensor([2, -1, 0.5, 3], [2, 2]);

  it('explains the image, and fails before running until the other input is given', async () => {
    const model = await fromOnnx(runtime, scaledImageModel(), options);
    expect([model.inputName, model.layout, model.contextNames]).toEqual(['pixel_values', 'NCHW', ['scale']]);
    expect(model.contextOf(pixels)).toEqual({});
    const error = await model.run({ input: pixels, outputs: ['logits'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toMatch(/input 'scale' \(float32, \[batch, 2\]\) cannot be derived.*context: \{ scale: TensorData \}.*--context scale=FILE\.npy/);
    await expect(model.run({ input: pixels, outputs: ['logits'], context: { scale: tensor([1, 2, 3], [1, 3]) } })).rejects.toThrow(ShapeError);
    const { inputGradients } = await model.run({ input: pixels, outputs: ['inputGradients'], target: [0, 1], context: { scale } });
    // d logit[c] / d x = W[:, c] * scale[c].
    for (let i = 0; i < 16; i++) {
      expect(inputGradients.data[i]).toBeCloseTo(IMAGE_WEIGHTS[i * 2]! * 2, 5);
      expect(inputGradients.data[16 + i]).toBeCloseTo(IMAGE_WEIGHTS[i * 2 + 1]! * 3, 5);
    }
    model.dispose();
  });

  it('takes the other input as the one to explain when asked', async () => {
    const model = await fromOnnx(runtime, scaledImageModel(), { ...options, input: 'scale' });
    expect([model.inputName, model.layout, model.contextNames]).toEqual(['scale', 'NC', ['pixel_values']]);
    const { logits } = await model.run({ input: scale, outputs: ['logits'], context: { pixel_values: pixels } });
    expect(logits.shape).toEqual([2, 2]);
    model.dispose();
    await expect(fromOnnx(runtime, scaledImageModel(), { padId: 0 })).rejects.toThrow(/padId option is for token models/);
  });
});
