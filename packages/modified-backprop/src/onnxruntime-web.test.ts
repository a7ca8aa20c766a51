import { fromOnnx, type OrtModule } from '@salience/onnx';
import { expectMapsClose } from '@salience/testing';
import * as ortWeb from 'onnxruntime-web';
import { describe, it } from 'vitest';
import { loadBackpropFixture, loadZennitFixture } from '../test/fixtures.js';
import { deepLift } from './deep-lift.js';
import { type LrpOptions, lrp } from './lrp.js';
import { deconvnet, guidedBackprop } from './modified-relu.js';

describe("the modified rules' graphs run on onnxruntime-web (wasm), as in the browser", () => {
  it('smallcnn: Guided Backprop, Deconvnet, DeepLIFT and LRP match Captum', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const { modelBytes, arrays, target } = loadBackpropFixture('smallcnn');
    const model = await fromOnnx(ortWeb as unknown as OrtModule, modelBytes);
    try {
      expectMapsClose((await guidedBackprop.attribute(model, arrays.input!, { target })).values, arrays.guided_backprop!, 1e-4, 'guided backprop (wasm)');
      expectMapsClose((await deconvnet.attribute(model, arrays.input!, { target })).values, arrays.deconvnet!, 1e-4, 'deconvnet (wasm)');
      expectMapsClose((await deepLift.attribute(model, arrays.input!, { target })).values, arrays.deeplift_zero!, 1e-4, 'DeepLIFT (wasm)');
      expectMapsClose((await lrp.attribute(model, arrays.input!, { target, epsilon: 0.01 })).values, arrays['lrp_epsilon_0.01']!, 1e-4, 'LRP (wasm)');
    } finally {
      model.dispose();
    }
  }, 30000);

  it("colorcnn with its BatchNorm kept: Zennit's EpsilonGammaBox and a w² / alpha1-beta0 layer map (BatchNorm folded in the graph) match Zennit", async () => {
    ortWeb.env.wasm.numThreads = 1;
    const { arrays, target } = loadBackpropFixture('colorcnn');
    const zennit = loadZennitFixture('colorcnn');
    const model = await fromOnnx(ortWeb as unknown as OrtModule, zennit.unfoldedModelBytes!);
    try {
      for (const key of ['epsilon_gamma_box', 'w_square_alpha1_beta0']) {
        const { options } = zennit.cases.find((c) => c.name === key)!;
        const result = await lrp.attribute(model, arrays.input!, { target, ...(options as LrpOptions) });
        expectMapsClose(result.values, zennit.arrays[key]!, 1e-4, `Zennit ${key} (wasm)`);
      }
    } finally {
      model.dispose();
    }
  }, 30000);
});
