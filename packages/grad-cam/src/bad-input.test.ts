import { AbortError, type Model, OptionError, type SalienceError, ShapeError, TargetError, type TensorData, UnknownLayerError } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { createTabularModel, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eigenCam, gradCam, scoreCam } from './index.js';

/**
 * The Grad-CAM part of the library's bad-input suite (issue 16): layer choices and CAM options a
 * careless user could give, each with its typed error, on smallcnn through tfjs (cpu) and ONNX
 * Runtime (node). No tensor outlives a failing call and the model answers the same afterwards.
 */

type ErrorClass = new (...args: never[]) => SalienceError;
interface Subject {
  readonly model: Model;
  readonly input: TensorData;
  readonly live: () => number;
  readonly dispose: () => void;
}
interface Case {
  readonly call: (s: Subject) => Promise<unknown>;
  readonly error: ErrorClass;
  readonly message?: RegExp;
}

const CASES: Record<string, Case> = {
  'a layer that is not spatial (the dense head)': {
    call: (s) => gradCam.attribute(s.model, s.input, { layer: 'fc', target: 0 }),
    error: OptionError,
    message: /is not a spatial feature map.*Spatial layers of this model: .*c3/,
  },
  'an unknown layer': { call: (s) => gradCam.attribute(s.model, s.input, { layer: 'c33', target: 0 }), error: UnknownLayerError, message: /c33/ },
  'an empty layer name': { call: (s) => gradCam.attribute(s.model, s.input, { layer: '', target: 0 }), error: OptionError },
  'a layer that is a number': { call: (s) => gradCam.attribute(s.model, s.input, { layer: 3 as unknown as string, target: 0 }), error: OptionError },
  'a misspelt option (layr)': { call: (s) => gradCam.attribute(s.model, s.input, { layr: 'c3' } as object), error: OptionError, message: /did you mean 'layer'/ },
  'an unknown upsample mode': { call: (s) => gradCam.attribute(s.model, s.input, { layer: 'c3', upsample: 'cubic' as 'bilinear', target: 0 }), error: OptionError },
  'an unknown resolution': { call: (s) => gradCam.attribute(s.model, s.input, { layer: 'c3', resolution: 'huge' as 'input', target: 0 }), error: OptionError },
  'a class past the last': { call: (s) => gradCam.attribute(s.model, s.input, { layer: 'c3', target: 10 }), error: TargetError },
  'an NCHW input to an NHWC model': {
    call: (s) =>
      gradCam.attribute(s.model, { data: s.input.data, shape: [s.input.shape[0]!, s.input.shape[3]!, s.input.shape[1]!, s.input.shape[2]!] }, { layer: 'c3', target: 0 }),
    error: ShapeError,
  },
  'Score-CAM with batchSize 0': { call: (s) => scoreCam.attribute(s.model, s.input, { layer: 'c3', target: 0, batchSize: 0 }), error: OptionError },
  'Eigen-CAM with an aborted signal': { call: (s) => eigenCam.attribute(s.model, s.input, { layer: 'c3', signal: AbortSignal.abort() }), error: AbortError },
};

async function tfjsSubject(): Promise<Subject> {
  await tf.setBackend('cpu');
  const fixture = await loadCaptumFixture('smallcnn');
  const net = buildFixtureModel(tf, 'smallcnn', fixture.weights);
  const model = fromTfjs(tf, net);
  return { model, input: nchwToNhwc(fixture.input), live: () => tf.memory().numTensors, dispose: () => net.dispose() };
}

async function onnxSubject(): Promise<Subject> {
  const fixture = await loadCaptumFixture('smallcnn');
  const model = await fromOnnx(ortNode as unknown as OrtModule, fixture.modelBytes);
  // The ONNX model names its layers after the PyTorch modules: the same 'c3' and 'fc'.
  return { model, input: fixture.input, live: () => 0, dispose: () => model.dispose() };
}

describe.each([
  ['tfjs cpu', tfjsSubject],
  ['onnxruntime-node', onnxSubject],
] as const)('bad input to Grad-CAM on %s (smallcnn)', (_, make) => {
  let subject: Subject;
  let before: Float32Array;
  beforeAll(async () => {
    subject = await make();
    before = (await subject.model.run({ input: subject.input, outputs: ['logits'] })).logits.data.slice();
  });
  afterAll(() => subject.dispose());

  it.each(Object.entries(CASES))('%s', async (_name, { call, error, message }) => {
    const live = subject.live();
    const failure = await call(subject).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(error);
    if (message) expect((failure as Error).message).toMatch(message);
    if (failure instanceof UnknownLayerError) expect(failure.available).toEqual(subject.model.layers().map((l) => l.name));
    expect(subject.live()).toBe(live);
    expect((await subject.model.run({ input: subject.input, outputs: ['logits'] })).logits.data).toEqual(before);
  });
});

it('Grad-CAM on a tabular model is an OptionError naming the layouts it explains, before any model call', async () => {
  const model = createTabularModel({ features: 6 });
  await expect(gradCam.attribute(model, { data: new Float32Array(12), shape: [2, 6] }, { target: 0 })).rejects.toThrow(OptionError);
  await expect(gradCam.attribute(model, { data: new Float32Array(12), shape: [2, 6] }, { target: 0 })).rejects.toThrow(/image models|NCHW|NHWC/);
  expect(model.calls).toBe(0);
});
