import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { fromOnnx } from '@salience/onnx';
import { runSanityChecks } from '@salience/sanity-checks';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadBackpropFixture } from '../test/fixtures.js';
import { guidedBackprop } from './modified-relu.js';

describe('parameter randomisation sees the difference (Adebayo et al. 2018)', () => {
  // About 1.5 s here: 4 images, 4 cascading copies of smallcnn, 3 methods.
  it('Guided Backprop changes far less than the gradient and Grad-CAM as smallcnn is randomised from the top', async () => {
    const { modelBytes, arrays, target } = loadBackpropFixture('smallcnn');
    const model = await fromOnnx(ort, modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
    try {
      const report = await runSanityChecks(
        model,
        [gradient, gradCam, guidedBackprop],
        { input: arrays.input!, labels: target },
        {
          checks: ['parameter-randomization'],
          parameterRandomization: { modes: ['cascading'] },
        },
      );
      const similarity = (name: string) => report.methods.find((m) => m.name === name)!.parameterRandomization!.cascading.map((s) => s.similarity.spearmanAbs);
      const [plain, cam, guided] = [similarity('gradient'), similarity('grad-cam'), similarity('guided-backprop')];
      expect(guided.length).toBe(4);
      // fc, then c3, then c2 randomised: Guided Backprop's maps stay much closer to the trained model's.
      for (let k = 0; k < 3; k++) {
        expect(guided[k]).toBeGreaterThan(plain[k]! + 0.2);
        expect(guided[k]).toBeGreaterThan(cam[k]! + 0.2);
      }
      expect(guided[0]).toBeGreaterThan(0.6);
    } finally {
      model.dispose();
    }
  }, 30000);
});
