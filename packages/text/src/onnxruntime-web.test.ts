import { pathToFileURL } from 'node:url';
import { occlusion } from '@salience/occlusion';
import { tokenIntegratedGradients } from '@salience/token-saliency';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { loadTextFixture, worstMapError } from '../test/fixtures.js';
import { loadTextClassifier } from './text-classifier.js';

// onnxruntime-web's wasm backend (what a page runs), here in Node on one thread, opening the folder
// by URL (file: here, http(s): in a page): the same numbers as onnxruntime-node and Captum.
it('BERT folder by URL on onnxruntime-web: Captum parity for IG and token occlusion, float and quantized', async () => {
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  const fx = await loadTextFixture('bert');
  const url = pathToFileURL(`${fx.folder}/`);
  const web = await loadTextClassifier(ortWeb as never, url);
  const node = await loadTextClassifier(ortNode as never, fx.folder);
  const quantized = await loadTextClassifier(ortWeb as never, url, { quantized: true });
  try {
    const ids = web.encode(fx.meta.texts).ids;
    expect(Array.from(ids.data)).toEqual(Array.from(fx.arrays.input_ids!.data));
    const options = { target: fx.target, padTokenId: 0, steps: 16 };
    const ig = await tokenIntegratedGradients.attribute(web.model, ids, options);
    const igNode = await tokenIntegratedGradients.attribute(node.model, ids, options);
    const ref = Float32Array.from(fx.arrays.token_ig!.data, (v, i) => (fx.arrays.attention_mask!.data[i] === 0 ? 0 : v));
    expect(worstMapError(ig.values.data, ref, 2)).toBeLessThan(1e-4);
    expect(worstMapError(ig.values.data, igNode.values.data, 2)).toBeLessThan(1e-5);
    const occ = await occlusion.attribute(web.model, ids, { target: fx.target, window: [1], baseline: 0 });
    expect(worstMapError(occ.values.data, fx.arrays.token_ablation_pad!.data, 2)).toBeLessThan(1e-4);
    const qocc = await occlusion.attribute(quantized.model, ids, { target: fx.target, window: [2], stride: [1], baseline: 0 });
    expect(worstMapError(qocc.values.data, fx.arrays.quantized_occlusion2_pad!.data, 2)).toBeLessThan(1e-4);
    expect(() => quantized.assertGradients()).toThrow(/quantized/);
  } finally {
    web.dispose();
    node.dispose();
    quantized.dispose();
  }
}, 60_000);
