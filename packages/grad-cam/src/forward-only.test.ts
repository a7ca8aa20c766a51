import { readFile } from 'node:fs/promises';
import { SalienceError } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { expectMapsClose, parseFixtureArrays } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ablationCam } from './ablation-cam.js';
import { eigenCam } from './eigen-cam.js';
import { hiResCam } from './hires-cam.js';
import { scoreCam } from './score-cam.js';

// smallcnn with Softsign after c3 (tools/make-cam-fixtures.py): onnx-autodiff has no Softsign rule,
// so no gradient reaches c3, yet the forward-only CAMs match pytorch-grad-cam on the torch model.
describe('forward-only CAMs on an ONNX model whose gradients cannot be built', () => {
  it('ScoreCAM, EigenCAM and AblationCAM match pytorch-grad-cam; a gradient CAM is refused', async () => {
    const at = (file: string) => new URL(`../fixtures/cam/${file}`, import.meta.url);
    const { arrays } = parseFixtureArrays(await readFile(at('softsign.json'), 'utf8'), await readFile(at('softsign.bin')));
    const model = await fromOnnx(ortNode as unknown as OrtModule, new Uint8Array(await readFile(at('softsign.onnx'))), {
      sessionOptions: { intraOpNumThreads: 1 },
    });
    try {
      expect(model.gradientError).toMatchObject({ code: 'UNSUPPORTED_OP', op: 'Softsign' });
      const target = Int32Array.from(arrays.target!.data);
      for (const [method, key] of [
        [scoreCam, 'scorecam'],
        [eigenCam, 'eigencam_signed'],
        [ablationCam, 'ablationcam'],
      ] as const) {
        const raw = await method.attribute(model, arrays.input!, { target, layer: 'c3', resolution: 'layer', relu: false, batchSize: 7 });
        expectMapsClose(raw.values, arrays[`${key}_raw`]!, 1e-4, `softsign ${key}_raw`);
        const final = await method.attribute(model, arrays.input!, { target, layer: 'c3', normalize: 'min-max' });
        expectMapsClose(final.values, arrays[`${key}_final`]!, 1e-4, `softsign ${key}_final`);
      }
      await expect(hiResCam.attribute(model, arrays.input!, { target, layer: 'c3' })).rejects.toSatisfy(
        (e) => e instanceof SalienceError && ['MISSING_CAPABILITY', 'UNSUPPORTED_OP'].includes(e.code),
      );
    } finally {
      model.dispose();
    }
  });
});
