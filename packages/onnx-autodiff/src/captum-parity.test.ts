import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type Fixture, loadFixture, maxErrorPerExample, oneHot } from '../test/fixtures.js';
import { addGradients } from './gradients.js';

type Ort = typeof ort;

/** d logit[target] / d input for the fixture's cases, on the given runtime. */
async function inputGradients(runtime: Ort, fixture: Fixture, inputName: string, maxPoolTies?: 'first' | 'split') {
  const built = addGradients(fixture.model, { of: 'logits', seed: 'seed', wrt: [inputName], maxPoolTies });
  const session = await runtime.InferenceSession.create(built.model, { intraOpNumThreads: 1 });
  const input = fixture.arrays.input!;
  const logits = fixture.arrays.logits!;
  const classes = logits.shape[1]!;
  const out = await session.run({
    [inputName]: new runtime.Tensor('float32', input.data, [...input.shape]),
    seed: new runtime.Tensor('float32', oneHot(fixture.arrays.target!.data, classes), [...logits.shape]),
  });
  await session.release();
  return { gradient: out[built.gradients[inputName]!]!.data as Float32Array, logits: out.logits!.data as Float32Array };
}

function expectClose(actual: ArrayLike<number>, expected: Fixture['arrays'][string], relative: number) {
  for (const { worst, scale } of maxErrorPerExample(actual, expected)) {
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(relative * scale);
  }
}

describe('Captum parity on onnxruntime-node: gradient of the target logit', () => {
  for (const name of ['smallcnn', 'colorcnn', 'tabular']) {
    it(`${name}: input gradient equals Captum's Saliency(abs=False)`, async () => {
      const fixture = loadFixture(name);
      const { gradient, logits } = await inputGradients(ort, fixture, 'input');
      expectClose(logits, fixture.arrays.logits!, 1e-5);
      expectClose(gradient, fixture.arrays.gradient!, 1e-5);
    });
  }

  for (const name of ['smallcnn', 'colorcnn']) {
    it(`${name}: activations and gradient of the Grad-CAM layer give Captum's LayerGradCam`, async () => {
      const fixture = loadFixture(name);
      const layer = `/${fixture.meta.gradcamLayer}/Conv_output_0`;
      const built = addGradients(fixture.model, { of: 'logits', seed: 'seed', wrt: [layer], keepOutputs: [layer] });
      const session = await ort.InferenceSession.create(built.model, { intraOpNumThreads: 1 });
      const { input, logits, target } = fixture.arrays;
      const out = await session.run({
        input: new ort.Tensor('float32', input!.data, [...input!.shape]),
        seed: new ort.Tensor('float32', oneHot(target!.data, logits!.shape[1]!), [...logits!.shape]),
      });
      const activations = out[built.kept[layer]!]!;
      const gradient = out[built.gradients[layer]!]!.data as Float32Array;
      const [batch, channels, h, w] = activations.dims as number[];
      const cam = new Float32Array(batch! * h! * w!);
      for (let b = 0; b < batch!; b++) {
        for (let c = 0; c < channels!; c++) {
          const base = (b * channels! + c) * h! * w!;
          let weight = 0;
          for (let i = 0; i < h! * w!; i++) weight += gradient[base + i]!;
          weight /= h! * w!;
          for (let i = 0; i < h! * w!; i++) cam[b * h! * w! + i]! += weight * (activations.data as Float32Array)[base + i]!;
        }
      }
      expectClose(cam, fixture.arrays.gradcam_layer_norelu!, 1e-5);
      await session.release();
    });
  }

  it('tinytext: gradient at the embedding Gather output equals embedding_gradient', async () => {
    const fixture = loadFixture('tinytext');
    const gathered = '/emb/Gather_output_0';
    const built = addGradients(fixture.model, { of: 'logits', seed: 'seed', wrt: [gathered] });
    const session = await ort.InferenceSession.create(built.model, { intraOpNumThreads: 1 });
    const { input_ids, logits, target } = fixture.arrays;
    const out = await session.run({
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(input_ids!.data, (v) => BigInt(v)),
        [...input_ids!.shape],
      ),
      seed: new ort.Tensor('float32', oneHot(target!.data, logits!.shape[1]!), [...logits!.shape]),
    });
    expect(out[built.gradients[gathered]!]!.dims).toEqual(fixture.arrays.embedding_gradient!.shape);
    expectClose(out[built.gradients[gathered]!]!.data as Float32Array, fixture.arrays.embedding_gradient!, 1e-5);
    await session.release();
  });
});

describe('Captum parity on onnxruntime-web (wasm backend, in Node)', () => {
  it('smallcnn: input gradient equals the fixture, with either MaxPool tie rule', async () => {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    const fixture = loadFixture('smallcnn');
    for (const ties of ['first', 'split'] as const) {
      const { gradient } = await inputGradients(web as unknown as Ort, fixture, 'input', ties);
      expectClose(gradient, fixture.arrays.gradient!, 1e-5);
    }
  });
});
