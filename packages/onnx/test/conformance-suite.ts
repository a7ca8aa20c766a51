import { type CaptumModelName, describeModelConformance, loadCaptumFixture } from '@salience/testing';
import { fromOnnx } from '../src/onnx-model.js';
import { countingRuntime } from './counting-runtime.js';
import { loadRuntime, type RuntimeName, TEST_SESSION_OPTIONS } from './runtimes.js';

/** The adapter conformance suite on every Captum fixture model, through `model.onnx`, on one runtime. */
export function describeOnnxConformance(runtime: RuntimeName): void {
  // Every path from the input goes through these layers, so their gradients are also checked by finite differences.
  const subjects: [CaptumModelName, string][] = [
    ['smallcnn', 'c3'],
    ['colorcnn', '/Relu_1_output_0'],
    ['tabular', '/Tanh_output_0'],
    ['tinytext', 'conv'],
  ];
  for (const [name, layer] of subjects) {
    describeModelConformance(`${name} on ${runtime}`, async () => {
      const { ort, live } = countingRuntime(await loadRuntime(runtime));
      const fixture = await loadCaptumFixture(name);
      const model = await fromOnnx(ort, fixture.modelBytes, { sessionOptions: TEST_SESSION_OPTIONS });
      return { model, input: fixture.input, layer, layerIsCut: true, liveTensors: live };
    });
  }
}
