import {
  AbortError,
  CapabilityError,
  GradientsUnavailableError,
  type Model,
  ModelError,
  OptionError,
  type SalienceError,
  ShapeError,
  TargetError,
  type TensorData,
  UnknownLayerError,
} from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, createTabularModel, createTokenModel, loadCaptumFixture } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integratedGradients as ig } from './integrated-gradients.js';

/**
 * The library half of the bad-input suite (issue 16): each case is a call a careless or hostile
 * user could make through the public API, with the typed error it must end with. On TensorFlow.js
 * (cpu) no tensor may outlive the failing call, and on every runtime the model must answer a valid
 * request afterwards with the same bits as before.
 */

const ort = ortNode as unknown as OrtModule;
type ErrorClass = new (...args: never[]) => SalienceError;

interface Subject {
  readonly model: Model;
  readonly input: TensorData;
  readonly live: () => number;
  /** The model's number of classes, read from its logits. */
  classes: number;
}

interface Case {
  readonly call: (s: Subject) => Promise<unknown>;
  readonly error: ErrorClass;
  readonly message?: RegExp;
}

const withData = (input: TensorData, data: ArrayLike<number>, shape = input.shape): TensorData => ({ data: data as Float32Array, shape });
const rows = (input: TensorData, n: number): TensorData => {
  const size = input.data.length / input.shape[0]!;
  return { data: input.data.slice(0, n * size), shape: [n, ...input.shape.slice(1)] };
};
const poisoned = (input: TensorData, value: number): TensorData => {
  const data = input.data.slice();
  data[3] = value;
  return { data, shape: input.shape };
};
const quick = { steps: 4, target: 0 } as const;

/** Calls through integrated gradients and the model's own `run`, on an `NC` model. */
const CASES: Record<string, Case> = {
  // Inputs: shape, rank, layout, element type, values.
  'an input without a batch axis': { call: (s) => ig.attribute(s.model, { data: s.input.data.slice(0, s.input.shape[1]), shape: [s.input.shape[1]!] }, quick), error: ShapeError },
  'one feature too many': {
    call: (s) => ig.attribute(s.model, { data: new Float32Array(2 * (s.input.shape[1]! + 1)), shape: [2, s.input.shape[1]! + 1] }, quick),
    error: ShapeError,
  },
  'an image layout on a tabular model': {
    call: (s) => ig.attribute(s.model, { data: s.input.data, shape: [s.input.shape[0]!, 1, 1, s.input.shape[1]!] }, quick),
    error: ShapeError,
  },
  'data shorter than the shape': { call: (s) => ig.attribute(s.model, withData(s.input, s.input.data.subarray(1)), quick), error: ShapeError },
  'Float64Array data': { call: (s) => ig.attribute(s.model, withData(s.input, Float64Array.from(s.input.data)), quick), error: ShapeError, message: /Float32Array/ },
  'Int32Array data': { call: (s) => ig.attribute(s.model, withData(s.input, Int32Array.from(s.input.data)), quick), error: ShapeError, message: /Float32Array/ },
  'a plain array as data': { call: (s) => ig.attribute(s.model, withData(s.input, Array.from(s.input.data)), quick), error: ShapeError },
  'NaN in the input': { call: (s) => ig.attribute(s.model, poisoned(s.input, Number.NaN), quick), error: ShapeError, message: /Input value 3 is NaN/ },
  'Infinity in the input': { call: (s) => ig.attribute(s.model, poisoned(s.input, Number.POSITIVE_INFINITY), quick), error: ShapeError, message: /Input value 3 is Infinity/ },
  'an empty batch': { call: (s) => ig.attribute(s.model, rows(s.input, 0), quick), error: ShapeError },
  'no input at all': { call: (s) => ig.attribute(s.model, undefined as unknown as TensorData, quick), error: ShapeError },
  // Options.
  'a misspelt option (stepz)': { call: (s) => ig.attribute(s.model, s.input, { stepz: 3 } as object), error: OptionError, message: /no option 'stepz'; did you mean 'steps'\?/ },
  'options that are not an object': { call: (s) => ig.attribute(s.model, s.input, 7 as unknown as object), error: OptionError },
  'steps 0': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: 0 }), error: OptionError, message: /steps must be an integer >= 1/ },
  'steps -1': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: -1 }), error: OptionError },
  'steps 1.5': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: 1.5 }), error: OptionError },
  'steps NaN': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: Number.NaN }), error: OptionError },
  'steps 1e9 (over the limit)': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: 1e9 }), error: OptionError, message: /above the limit of 10000/ },
  'steps as a string': { call: (s) => ig.attribute(s.model, s.input, { ...quick, steps: '8' as unknown as number }), error: OptionError },
  'an unknown quadrature': { call: (s) => ig.attribute(s.model, s.input, { ...quick, quadrature: 'simpson' as 'riemann-left' }), error: OptionError },
  'baseline samples 0': { call: (s) => ig.attribute(s.model, s.input, { ...quick, baselines: { samples: 0, from: 'uniform' } as never }), error: OptionError },
  'baseline samples 1e8 (over the limit)': {
    call: (s) => ig.attribute(s.model, s.input, { ...quick, baselines: { samples: 1e8, from: 'uniform' } as never }),
    error: OptionError,
    message: /baselines.samples is 100000000/,
  },
  'a baseline of the wrong shape': { call: (s) => ig.attribute(s.model, s.input, { ...quick, baselines: { data: new Float32Array(3), shape: [1, 3] } }), error: ShapeError },
  'a negative tolerance': { call: (s) => ig.attribute(s.model, s.input, { ...quick, tolerance: -1 }), error: OptionError },
  'batchSize 0': { call: (s) => ig.attribute(s.model, s.input, { ...quick, batchSize: 0 }), error: OptionError },
  'batchSize 2.5': { call: (s) => ig.attribute(s.model, s.input, { ...quick, batchSize: 2.5 }), error: OptionError },
  'an unknown objective': { call: (s) => ig.attribute(s.model, s.input, { ...quick, objective: 'loss' as 'logit' }), error: OptionError },
  'cross-entropy labels of the wrong shape': {
    call: (s) => ig.attribute(s.model, s.input, { ...quick, objective: { kind: 'cross-entropy', labels: { data: new Float32Array(3), shape: [1, 3] } } }),
    error: ShapeError,
  },
  'a context for a model without context inputs': {
    call: (s) => ig.attribute(s.model, s.input, { ...quick, context: { attention_mask: { data: new Float32Array(s.input.shape[0]!), shape: [s.input.shape[0]!, 1] } } }),
    error: OptionError,
  },
  'a context with the wrong rows': {
    call: (s) => ig.attribute(s.model, s.input, { ...quick, context: { attention_mask: { data: new Float32Array(s.input.shape[0]! + 1), shape: [s.input.shape[0]! + 1, 1] } } }),
    error: ShapeError,
    message: /attention_mask has shape \[\d+, 1\]; give one row per row of the input/,
  },
  // Targets.
  'a class past the last': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: s.classes }), error: TargetError },
  'a negative class': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: -1 }), error: TargetError },
  'a NaN class': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: Number.NaN }), error: TargetError, message: /NaN/ },
  'NaN in a per-example target array': {
    call: (s) => ig.attribute(s.model, s.input, { ...quick, target: Array.from({ length: s.input.shape[0]! }, (_, i) => (i === 1 ? Number.NaN : 0)) }),
    error: TargetError,
    message: /\[1\] is NaN/,
  },
  'a fractional class': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: 0.5 }), error: TargetError },
  'one target too few': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: new Array(s.input.shape[0]! - 1).fill(0) }), error: TargetError },
  'topK 0': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: { topK: 0 } }), error: TargetError },
  'classes []': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: { classes: [] } }), error: TargetError },
  'a target of the wrong kind': { call: (s) => ig.attribute(s.model, s.input, { ...quick, target: 'best' as 'predicted' }), error: TargetError },
  // Cancellation.
  'a signal aborted before the call': { call: (s) => ig.attribute(s.model, s.input, { ...quick, signal: AbortSignal.abort() }), error: AbortError },
  'an abort in the middle of a run': {
    call: (s) => {
      const controller = new AbortController();
      let calls = 0;
      const model: Model = {
        ...s.model,
        layers: () => s.model.layers(),
        dispose: () => {},
        run: (request) => {
          if (++calls === 2) controller.abort();
          return s.model.run(request);
        },
      };
      return ig.attribute(model, s.input, { ...quick, steps: 64, batchSize: 4, signal: controller.signal });
    },
    error: AbortError,
  },
  // The model's own API.
  'an unknown layer': { call: (s) => s.model.run({ input: s.input, outputs: ['layerActivations'], layer: 'nope' }), error: UnknownLayerError, message: /nope/ },
  'gradients without a target': { call: (s) => s.model.run({ input: s.input, outputs: ['inputGradients'] }), error: TargetError },
  'an output the model does not have': { call: (s) => s.model.run({ input: s.input, outputs: ['embeddings'] }), error: CapabilityError },
};

async function tfjsSubject(fixture: CaptumFixture): Promise<Subject & { dispose(): void }> {
  await tf.setBackend('cpu');
  const net = buildFixtureModel(tf, 'tabular', fixture.weights);
  const model = fromTfjs(tf, net);
  return { model, input: fixture.input, live: () => tf.memory().numTensors, classes: 0, dispose: () => model.dispose() };
}

async function onnxSubject(fixture: CaptumFixture): Promise<Subject & { dispose(): void }> {
  const model = await fromOnnx(ort, fixture.modelBytes);
  return { model, input: fixture.input, live: () => 0, classes: 0, dispose: () => model.dispose() };
}

const RUNTIMES = { 'tfjs cpu': tfjsSubject, 'onnxruntime-node': onnxSubject };

describe.each(Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])('bad input to integrated gradients on %s (tabular fixture)', (runtime) => {
  let subject: Subject & { dispose(): void };
  let before: Float32Array;
  beforeAll(async () => {
    subject = await RUNTIMES[runtime](await loadCaptumFixture('tabular'));
    const { logits } = await subject.model.run({ input: subject.input, outputs: ['logits'] });
    before = logits.data.slice();
    subject.classes = logits.shape[1]!;
  });
  afterAll(() => subject.dispose());

  it.each(Object.entries(CASES))('%s', async (_, { call, error, message }) => {
    const live = subject.live();
    const failure = await call(subject).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(error);
    if (message) expect((failure as Error).message).toMatch(message);
    expect(subject.live()).toBe(live);
    const after = await subject.model.run({ input: subject.input, outputs: ['logits'] });
    expect(after.logits.data).toEqual(before);
  });
});

/** Protobuf wire format, just enough to write a small ONNX model by hand (no onnx package here). */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const field = (n: number, bytes: number[]) => [...varint((n << 3) | 2), ...varint(bytes.length), ...bytes];
const int = (n: number, v: number) => [...varint(n << 3), ...varint(v)];
const floats = (values: number[]) => [...new Uint8Array(Float32Array.from(values).buffer)];
function valueInfo(name: string, dims: (number | string)[]): number[] {
  const shape = dims.flatMap((d) => field(1, typeof d === 'number' ? int(1, d) : field(2, utf8(d))));
  return field(1, utf8(name)).concat(field(2, field(1, [...int(1, 1), ...field(2, shape)])));
}
const node = (op: string, name: string, inputs: string[], outputs: string[]) => [
  ...inputs.flatMap((i) => field(1, utf8(i))),
  ...outputs.flatMap((o) => field(2, utf8(o))),
  ...field(3, utf8(name)),
  ...field(4, utf8(op)),
];
const initializer = (name: string, dims: number[], values: number[]) => [...dims.flatMap((d) => int(1, d)), ...int(2, 1), ...field(8, utf8(name)), ...field(9, floats(values))];

/** x [batch, 4] -> MatMul -> Softsign (node 'squash', an op without a gradient rule) -> MatMul -> logits [batch, 3]. */
function softsignOnnx(): Uint8Array {
  const w1 = Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) / 4 - 0.5);
  const w2 = Array.from({ length: 9 }, (_, i) => ((i * 3) % 4) / 2 - 0.7);
  const graph = [
    ...field(1, node('MatMul', 'hidden', ['x', 'w1'], ['h'])),
    ...field(1, node('Softsign', 'squash', ['h'], ['s'])),
    ...field(1, node('MatMul', 'head', ['s', 'w2'], ['logits'])),
    ...field(2, utf8('softsign')),
    ...field(5, initializer('w1', [4, 3], w1)),
    ...field(5, initializer('w2', [3, 3], w2)),
    ...field(11, valueInfo('x', ['batch', 4])),
    ...field(12, valueInfo('logits', ['batch', 3])),
  ];
  return Uint8Array.from([...int(1, 8), ...field(8, [...field(1, []), ...int(2, 13)]), ...field(7, graph)]);
}

/** A tfjs function model over 4 features that does what `body` does. */
function functionModel(body: (x: tf.Tensor) => tf.Tensor) {
  return fromTfjs(tf, body as never, { inputShape: [null, 4], layout: 'NC' });
}
const fourFeatures: TensorData = { data: Float32Array.from([0.3, -0.2, 0.9, 0.1, -0.7, 0.4, 0.2, -1.1]), shape: [2, 4] };
const weights = tf.tensor2d([0.5, -1, 0.25, 2, 1.5, 0.5, -0.75, 1], [4, 2]);

/** Rejects with the typed error, and leaves no tensor behind. */
async function expectTyped(call: () => Promise<unknown>, error: ErrorClass, message?: RegExp): Promise<SalienceError> {
  const live = tf.memory().numTensors;
  const failure = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(error);
  if (message) expect((failure as Error).message).toMatch(message);
  expect(tf.memory().numTensors).toBe(live);
  return failure as SalienceError;
}

describe('bad input to token models', () => {
  /** Two rows of token ids, `values` first and then id 1, as long as the model's fixed length (6 when free). */
  const ids = (values: number[], model?: Model): TensorData => {
    const length = model?.inputShape[1] ?? 6;
    const data = new Float32Array(2 * length).fill(1);
    data.set(values);
    return { data, shape: [2, length] };
  };
  const token = createTokenModel();
  let tfjsText: Model;
  let onnxText: Model;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const fixture = await loadCaptumFixture('tinytext');
    tfjsText = fromTfjs(tf, buildFixtureModel(tf, 'tinytext', fixture.weights));
    onnxText = await fromOnnx(ort, fixture.modelBytes);
  });
  afterAll(() => {
    tfjsText.dispose();
    onnxText.dispose();
  });
  const models = (): [string, Model, number][] => [
    ['fake', token, 16],
    ['tfjs cpu', tfjsText, 64],
    ['onnxruntime-node', onnxText, 64],
  ];

  it('embeddings of the wrong width or rows are a ShapeError, on every runtime', async () => {
    for (const [name, model] of models()) {
      const input = ids([1, 2, 3, 4, 5, 6], model);
      const { embeddings } = await model.run({ input, outputs: ['embeddings'] });
      const [b, t, d] = embeddings.shape as [number, number, number];
      const wide = { data: new Float32Array(b * t * (d + 1)), shape: [b, t, d + 1] };
      await expectTyped(() => model.run({ input, embeddings: wide, outputs: ['logits'] }), ShapeError);
      const short = { data: embeddings.data.subarray(0, t * d), shape: [1, t, d] };
      await expectTyped(() => model.run({ input, embeddings: short, outputs: ['logits'] }), ShapeError);
      const nan = { data: embeddings.data.map((v, i) => (i === 5 ? Number.NaN : v)), shape: embeddings.shape };
      await expectTyped(() => model.run({ input, embeddings: nan, outputs: ['logits'] }), ShapeError, /finite/);
      expect((await model.run({ input, outputs: ['logits'] })).logits.shape[0], name).toBe(2);
    }
  });

  it('token ids out of the vocabulary, negative or fractional are a ShapeError, on every runtime', async () => {
    for (const [, model, vocabulary] of models()) {
      await expectTyped(() => model.run({ input: ids([1, 2, vocabulary, 4], model), outputs: ['logits'] }), ShapeError, new RegExp(String(vocabulary)));
      await expectTyped(() => model.run({ input: ids([1, -1, 3, 4], model), outputs: ['logits'] }), ShapeError);
      await expectTyped(() => model.run({ input: ids([1, 2.5, 3, 4], model), outputs: ['logits'] }), ShapeError);
      const classes = (await model.run({ input: ids([1], model), outputs: ['logits'] })).logits.shape[1];
      await expectTyped(() => model.run({ input: ids([1, 2, 3, 4], model), outputs: ['embeddingGradients'], target: classes }), TargetError);
      // Integrated gradients interpolates embeddings, not ids: token models go through token-saliency.
      await expectTyped(() => ig.attribute(model, ids([1, 2, 3, 4], model), { steps: 4, target: 0 }), CapabilityError, /Token ids cannot be interpolated/);
    }
  });

  it('an unknown layer lists the layers, on every runtime', async () => {
    for (const [, model] of models()) {
      const failure = (await expectTyped(
        () => model.run({ input: ids([1, 2, 3, 4], model), outputs: ['layerActivations'], layer: 'embz' }),
        UnknownLayerError,
      )) as UnknownLayerError;
      const names = model.layers().map((l) => l.name);
      expect(failure.available).toEqual(names);
      for (const name of names.slice(0, 3)) expect(failure.message).toContain(name);
    }
  });

  it('randomizedCopy of an unknown layer is an UnknownLayerError and leaves the model working', async () => {
    const before = (await tfjsText.run({ input: ids([1, 2, 3, 4], tfjsText), outputs: ['logits'] })).logits.data.slice();
    await expectTyped(() => (tfjsText.randomizedCopy as NonNullable<Model['randomizedCopy']>)(['nope']), UnknownLayerError, /nope/);
    expect((await tfjsText.run({ input: ids([1, 2, 3, 4], tfjsText), outputs: ['logits'] })).logits.data).toEqual(before);
  });

  it('a context the model does not take, or with the wrong rows, is refused', async () => {
    const input = ids([1, 2, 3, 4], onnxText);
    await expectTyped(() => onnxText.run({ input, outputs: ['logits'], context: { attention_mask: { data: new Float32Array(2), shape: [1, 2] } } }), OptionError);
    await expectTyped(() => tfjsText.run({ input, outputs: ['logits'], context: { mask: { data: new Float32Array(6), shape: [3, 2] } } }), OptionError);
  });
});

describe('bad models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a model whose run throws gives a ModelError that wraps the failure, and leaks nothing', async () => {
    const broken = new Error('the runtime fell over');
    const model = functionModel(() => {
      throw broken;
    });
    const failure = await expectTyped(() => ig.attribute(model, fourFeatures, { steps: 4, target: 0 }), ModelError);
    expect(failure.cause).toBe(broken);
    const fake = createTabularModel({
      features: 4,
      classes: 2,
      onRun: () => {
        throw broken;
      },
    });
    await expect(ig.attribute(fake, fourFeatures, { steps: 4, target: 0 })).rejects.toBe(broken);
  });

  it('a model that returns NaN logits: integrated gradients gives NaN maps and a NaN delta (no finite check in the library)', async () => {
    // The library reports what the model computed; the CLI refuses non-finite results (exit 12).
    const model = functionModel((x) => tf.matMul(x, weights).mul(Number.NaN));
    const live = tf.memory().numTensors;
    const result = await ig.attribute(model, fourFeatures, { steps: 4, target: 0 });
    expect(tf.memory().numTensors).toBe(live);
    expect(Array.from(result.values.data).every(Number.isNaN)).toBe(true);
    expect(Array.from(result.meta.delta as ArrayLike<number>).every(Number.isNaN)).toBe(true);
    // 'predicted' has no class to pick from NaN logits: still an answer, never a hang.
    await expect(ig.attribute(model, fourFeatures, { steps: 4 })).resolves.toBeDefined();
  });

  it('a disposed model refuses requests with an OptionError (a usage error), on both runtimes', async () => {
    const model = functionModel((x) => tf.matMul(x, weights));
    model.dispose();
    await expectTyped(() => ig.attribute(model, fourFeatures, { steps: 4, target: 0 }), OptionError, /disposed/);
    const onnx = await fromOnnx(ort, softsignOnnx());
    onnx.dispose();
    await expectTyped(() => onnx.run({ input: fourFeatures, outputs: ['logits'] }), OptionError, /disposed/);
  });

  it('bytes that are not ONNX, or a truncated model, are a ModelError from fromOnnx', async () => {
    await expectTyped(() => fromOnnx(ort, new TextEncoder().encode('not a protobuf at all')), ModelError);
    await expectTyped(() => fromOnnx(ort, softsignOnnx().subarray(0, 60)), ModelError);
    await expectTyped(() => fromOnnx(ort, new Uint8Array(0)), ModelError);
    await expectTyped(() => fromOnnx(undefined as unknown as OrtModule, softsignOnnx()), OptionError);
  });

  it('an ONNX op without a gradient rule is a GradientsUnavailableError naming it, before any model call', async () => {
    const model = await fromOnnx(ort, softsignOnnx());
    let calls = 0;
    const counted: Model = {
      ...model,
      layers: () => model.layers(),
      dispose: () => model.dispose(),
      run: (request) => {
        calls++;
        return model.run(request);
      },
    };
    const failure = await expectTyped(() => ig.attribute(counted, fourFeatures, { steps: 4, target: 0 }), GradientsUnavailableError);
    expect(failure).toMatchObject({ code: 'UNSUPPORTED_OP', op: 'Softsign', node: 'squash' });
    expect(calls).toBe(0);
    expect((await model.run({ input: fourFeatures, outputs: ['logits'] })).logits.shape).toEqual([2, 3]);
    model.dispose();
  });
});
