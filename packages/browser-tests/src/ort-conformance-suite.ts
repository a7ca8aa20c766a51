import { fromOnnx, type OrtModule } from '@salience/onnx';
import { countingRuntime } from '@salience/onnx/testing';
import { type CaptumModelName, describeModelConformance, loadCaptumFixture } from '@salience/testing';
import { describe, it } from 'vitest';
import { configureOrt, type OrtProvider, ortOffer, sessionOptions } from './ort-runtime.js';

/** The fixture models with a layer that every path from the input crosses (as in packages/onnx's own suite). */
const SUBJECTS: readonly [CaptumModelName, string][] = [
  ['smallcnn', 'c3'],
  ['colorcnn', '/Relu_1_output_0'],
  ['tabular', '/Tanh_output_0'],
  ['tinytext', 'conv'],
];

/** Registers the adapter conformance suite through model.onnx on one onnxruntime-web provider, or says it is not offered. */
export async function describeOrtConformance(provider: OrtProvider): Promise<void> {
  const { offered, detail } = await ortOffer(provider);
  if (!offered) {
    describe(`onnxruntime-web ${provider} in Chromium`, () => {
      it(`is NOT offered by this browser (${detail}): the conformance suite does not run on it`, async () => {
        console.log(`browser conformance: onnxruntime-web ${provider} is not offered here: ${detail}`);
        const fixture = await loadCaptumFixture('tabular');
        const ort = configureOrt();
        let refused = false;
        await ort.InferenceSession.create(fixture.modelBytes, sessionOptions(provider)).catch(() => {
          refused = true;
        });
        if (!refused) throw new Error(`onnxruntime-web ${provider} started although it was found unavailable.`);
      });
    });
    return;
  }
  for (const [name, layer] of SUBJECTS) {
    describeModelConformance(`${name} through model.onnx on onnxruntime-web ${provider} (${detail})`, async () => {
      const { ort, live } = countingRuntime(configureOrt() as unknown as OrtModule);
      const fixture = await loadCaptumFixture(name);
      const model = await fromOnnx(ort, fixture.modelBytes, { sessionOptions: sessionOptions(provider) });
      return { model, input: fixture.input, layer, layerIsCut: true, liveTensors: live };
    });
  }
}
