import { checkLogitRows, type Method, rowSize, ShapeError } from '@salience/core';
import { type CamOptions, camMethod, checkTargetClasses, layerGeometry, pairRows } from './cam-method.js';
import { examplesOnce, storeChannelScores } from './channel-scores.js';
import type { FeatureMapGeometry } from './class-activation-map.js';
import { weightedChannelSum } from './elementwise-cam.js';

/** Added to each upsampled activation map's range before scaling it to [0, 1], as pytorch-grad-cam does. */
export const SCORE_CAM_EPSILON = 1e-8;

/** Source index and weight of every output position for bilinear resizing with align_corners=True. */
function alignedAxis(size: number, out: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const frac = new Float64Array(out);
  const scale = out > 1 ? (size - 1) / (out - 1) : 0;
  for (let i = 0; i < out; i++) {
    const source = i * scale;
    lo[i] = Math.min(size - 1, Math.floor(source));
    hi[i] = Math.min(size - 1, lo[i]! + 1);
    frac[i] = source - lo[i]!;
  }
  return { lo, hi, frac };
}

/**
 * Turns one channel of a layer's activations into ScoreCAM's mask: upsampled to the input's
 * height and width with bilinear interpolation and align_corners=True (PyTorch's
 * `UpsamplingBilinear2d`, which pytorch-grad-cam uses), then scaled to [0, 1].
 */
export function scoreCamMasker(height: number, width: number, outHeight: number, outWidth: number) {
  const rows = alignedAxis(height, outHeight);
  const cols = alignedAxis(width, outWidth);
  return (channel: (y: number, x: number) => number, mask: Float32Array): void => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < outHeight; y++) {
      const y0 = rows.lo[y]!;
      const y1 = rows.hi[y]!;
      const fy = rows.frac[y]!;
      for (let x = 0; x < outWidth; x++) {
        const x0 = cols.lo[x]!;
        const x1 = cols.hi[x]!;
        const fx = cols.frac[x]!;
        const top = channel(y0, x0) * (1 - fx) + channel(y0, x1) * fx;
        const bottom = channel(y1, x0) * (1 - fx) + channel(y1, x1) * fx;
        const v = top * (1 - fy) + bottom * fy;
        mask[y * outWidth + x] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const range = hi - lo + SCORE_CAM_EPSILON;
    for (let i = 0; i < mask.length; i++) mask[i] = (mask[i]! - lo) / range;
  };
}

/**
 * ScoreCAM (Wang et al. 2020): every channel of the layer, upsampled and scaled to [0, 1], masks
 * the input; the softmax over channels of the target's score on the masked inputs weights the
 * channels. Forward-only: it needs the layer's activations and logits, so it runs on models whose
 * gradients cannot be built. Costs one model row per (example, channel), batched up to
 * `batchSize` and shared by all targets of an example. pytorch-grad-cam's `ScoreCAM`.
 */
export const scoreCam: Method<CamOptions> = camMethod({
  id: 'scorecam',
  requires: ['logits', 'layerActivations'],
  async layerMaps(request) {
    const { call, model, input, examples, targets, layer, batchSize, channelsFirst } = request;
    const pairs = examples.length;
    const { used, slot, pairsOf, usedRows } = examplesOnce(examples);

    // 1. The layer's activations of every used example.
    let geometry: FeatureMapGeometry | undefined;
    let activations = new Float32Array(0);
    await call.forEachBatch(used.length, async (start, end) => {
      const batch = pairRows(input, usedRows, start, end);
      const outputs = await call.run({ input: batch, examples: usedRows.subarray(start, end), outputs: ['layerActivations', 'logits'], layer });
      const { logits } = outputs;
      const layerActivations = request.featureMap(outputs.layerActivations);
      if (start === 0) checkTargetClasses(targets, logits);
      const found = layerGeometry(layerActivations, end - start, layer, channelsFirst);
      if (!geometry) {
        geometry = found;
        activations = new Float32Array(used.length * rowSize(layerActivations));
      } else if (rowSize(layerActivations) * used.length !== activations.length) {
        throw new ShapeError(`Layer '${layer}' changed shape between batches ([${layerActivations.shape.join(', ')}]).`);
      }
      activations.set(layerActivations.data, start * rowSize(layerActivations));
    });
    const g = geometry!;
    const { channels, channelStride, positionStride } = g;
    const layerRow = channels * g.height * g.width;
    // The input's layout is the model's; the layer's may differ (a token layer is channels last).
    const inputChannelsFirst = model.layout === 'NCHW';
    const [inHeight, inWidth, inChannels] = inputChannelsFirst ? [input.shape[2], input.shape[3], input.shape[1]] : [input.shape[1], input.shape[2], input.shape[3]];
    const plane = inHeight! * inWidth!;
    const size = rowSize(input);
    const masker = scoreCamMasker(g.height, g.width, inHeight!, inWidth!);
    const mask = new Float32Array(plane);

    // 2. One masked copy per (example, channel), in batches; every target of the example is scored on it.
    const total = used.length * channels;
    const scores = new Float64Array(pairs * channels);
    const buffer = new Float32Array(Math.min(batchSize, total) * size);
    const rowExamples = new Int32Array(Math.min(batchSize, total));
    await call.forEachBatch(
      total,
      async (start, end) => {
        const rows = end - start;
        const copies = buffer.subarray(0, rows * size);
        for (let r = 0; r < rows; r++) {
          const u = Math.floor((start + r) / channels);
          const k = (start + r) % channels;
          const a = activations.subarray(u * layerRow, (u + 1) * layerRow);
          masker((y, x) => a[k * channelStride + (y * g.width + x) * positionStride]!, mask);
          const source = input.data.subarray(used[u]! * size, (used[u]! + 1) * size);
          const copy = copies.subarray(r * size, (r + 1) * size);
          if (inputChannelsFirst) {
            for (let c = 0; c < inChannels!; c++) for (let i = 0; i < plane; i++) copy[c * plane + i] = source[c * plane + i]! * mask[i]!;
          } else {
            for (let i = 0; i < plane; i++) for (let c = 0; c < inChannels!; c++) copy[i * inChannels! + c] = source[i * inChannels! + c]! * mask[i]!;
          }
          rowExamples[r] = used[u]!;
        }
        const { logits } = await call.run({ input: { data: copies, shape: [rows, ...input.shape.slice(1)] }, examples: rowExamples.subarray(0, rows), outputs: ['logits'] });
        storeChannelScores(checkLogitRows(logits, rows), { start, channels, pairsOf, targets, examples, objective: call.objective }, scores);
      },
      request.onProgress,
    );

    // 3. Softmax over channels of each pair's scores, then the weighted sum of the activations.
    for (let p = 0; p < pairs; p++) {
      const w = scores.subarray(p * channels, (p + 1) * channels);
      let max = -Infinity;
      for (const v of w) max = Math.max(max, v);
      let sum = 0;
      for (let k = 0; k < channels; k++) sum += w[k] = Math.exp(w[k]! - max);
      for (let k = 0; k < channels; k++) w[k]! /= sum;
    }
    const pairActivations = new Float32Array(pairs * layerRow);
    examples.forEach((e, p) => {
      const u = slot.get(e)!;
      pairActivations.set(activations.subarray(u * layerRow, (u + 1) * layerRow), p * layerRow);
    });
    const maps = new Float32Array(pairs * g.height * g.width);
    weightedChannelSum({ data: pairActivations, shape: [pairs, ...(channelsFirst ? [channels, g.height, g.width] : [g.height, g.width, channels])] }, scores, g, maps);
    return { maps, geometry: g, meta: { maskedPasses: total } };
  },
});
