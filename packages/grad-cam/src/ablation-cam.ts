import { CapabilityError, checkLogitRows, type Method, rowSize, ShapeError } from '@salience/core';
import { type CamOptions, camMethod, checkTargetClasses, layerGeometry, pairRows } from './cam-method.js';
import { examplesOnce, scoresOf, storeChannelScores } from './channel-scores.js';
import type { FeatureMapGeometry } from './class-activation-map.js';
import { weightedChannelSum } from './elementwise-cam.js';

/** How far below an example's smallest activation a channel is set when its activations are not all >= 0 with a 0 (pytorch-grad-cam's ABLATION_VALUE). */
export const ABLATION_OFFSET = 1e7;

/**
 * The value an ablated channel takes, from one example's activations at the layer: 0 when their
 * minimum is 0 (a ReLU's output: zero is "off"), else that minimum minus 1e7, as pytorch-grad-cam's
 * `AblationLayer` does for layers whose values can be negative.
 */
export function ablationValue(activations: Float32Array): number {
  let min = Infinity;
  for (let i = 0; i < activations.length; i++) if (activations[i]! < min) min = activations[i]!;
  return min === 0 ? 0 : min - ABLATION_OFFSET;
}

/**
 * Where channel k lives in one row of the layer's output as the model gives it: `inner` values per
 * channel, repeated every `channels * inner` values (channels at axis 1 for NCHW feature maps, last
 * for channels-last maps and token layers).
 */
function channelLayout(shape: readonly number[], channelsFirst: boolean): { channels: number; inner: number } {
  const row = shape.slice(1);
  if (channelsFirst && row.length === 3) return { channels: row[0]!, inner: row[1]! * row[2]! };
  return { channels: row[row.length - 1]!, inner: 1 };
}

/** Sets channel k of one layer row (copied into `out` first) to `value`. */
function ablateChannel(source: Float32Array, out: Float32Array, k: number, channels: number, inner: number, value: number): void {
  out.set(source);
  const stride = channels * inner;
  for (let start = k * inner; start < out.length; start += stride) out.fill(value, start, start + inner);
}

/**
 * AblationCAM (Desai & Ramaswamy 2020): each channel k of the layer is ablated in turn (set to
 * `ablationValue`) and the rest of the model run from the layer; the relative drop of the target's
 * score, `w_k = (y - y_k) / y`, weights the channels: map = Σ_k w_k A_k. Forward-only: it needs the
 * layer's activations, logits, and a model that runs from given activations (`runsFromLayers`:
 * @salience/onnx, tfjs GraphModels and LayersModels). Costs one model row per (example, channel),
 * batched up to `batchSize` and shared by all targets of an example. pytorch-grad-cam's `AblationCAM`.
 */
export const ablationCam: Method<CamOptions> = camMethod({
  id: 'ablationcam',
  requires: ['logits', 'layerActivations'],
  check(model, layer) {
    if (!model.runsFromLayers) {
      throw new CapabilityError(
        `AblationCAM runs the model from the ablated activations of layer '${layer.name}', which this model cannot do (it does not set runsFromLayers). ScoreCAM and EigenCAM need only the activations and work on it; so does AblationCAM on an ONNX model (@salience/onnx) or a tfjs GraphModel or LayersModel.`,
        ['runsFromLayers'],
      );
    }
  },
  async layerMaps(request) {
    const { call, input, examples, targets, layer, channelsFirst } = request;
    const pairs = examples.length;
    const { used, slot, pairsOf, usedRows } = examplesOnce(examples);

    // 1. The layer's raw output (as the model gives it: a token layer stays [T, C]) and the score of every pair.
    let geometry: FeatureMapGeometry | undefined;
    let rawShape: readonly number[] = [];
    let raw = new Float32Array(0);
    let maps = new Float32Array(0);
    const original = new Float64Array(pairs);
    await call.forEachBatch(used.length, async (start, end) => {
      const outputs = await call.run({ input: pairRows(input, usedRows, start, end), examples: usedRows.subarray(start, end), outputs: ['layerActivations', 'logits'], layer });
      const { logits } = outputs;
      if (start === 0) checkTargetClasses(targets, logits);
      const found = layerGeometry(request.featureMap(outputs.layerActivations), end - start, layer, channelsFirst);
      const size = rowSize(outputs.layerActivations);
      if (!geometry) {
        geometry = found;
        rawShape = outputs.layerActivations.shape;
        raw = new Float32Array(used.length * size);
      } else if (size * used.length !== raw.length) {
        throw new ShapeError(`Layer '${layer}' changed shape between batches ([${outputs.layerActivations.shape.join(', ')}]).`);
      }
      raw.set(outputs.layerActivations.data, start * size);
      const scoredPairs = used.slice(start, end).flatMap((e) => pairsOf[slot.get(e)!]);
      const rows = Int32Array.from(scoredPairs, (p) => slot.get(examples[p!]!)! - start);
      const values = scoresOf(
        logits,
        rows,
        Int32Array.from(scoredPairs, (p) => targets[p!]!),
        Int32Array.from(scoredPairs, (p) => examples[p!]!),
        call.objective,
      );
      scoredPairs.forEach((p, i) => {
        original[p!] = values[i]!;
      });
    });
    const g = geometry!;
    const { channels, inner } = channelLayout(rawShape, channelsFirst && rawShape.length === 4);
    if (channels !== g.channels) throw new ShapeError(`Layer '${layer}' has ${channels} channels in its output but ${g.channels} in its feature map.`);
    const layerRow = raw.length / used.length;
    const fills = Float64Array.from(used, (_, u) => ablationValue(raw.subarray(u * layerRow, (u + 1) * layerRow)));

    // 2. One ablated copy per (example, channel), in batches: the example's input row, its activations with channel k ablated.
    const total = used.length * channels;
    const scores = new Float64Array(pairs * channels);
    const batch = Math.min(call.batchSize, total);
    const size = rowSize(input);
    const inputs = new Float32Array(batch * size);
    const ablated = new Float32Array(batch * layerRow);
    const rowExamples = new Int32Array(batch);
    // Which example's input each buffer row holds: batches repeat the same examples, so rows are copied only when that changes.
    const held = new Int32Array(batch).fill(-1);
    await call.forEachBatch(
      total,
      async (start, end) => {
        const rows = end - start;
        for (let r = 0; r < rows; r++) {
          const u = Math.floor((start + r) / channels);
          const k = (start + r) % channels;
          if (held[r] !== used[u]) {
            inputs.set(input.data.subarray(used[u]! * size, (used[u]! + 1) * size), r * size);
            held[r] = used[u]!;
          }
          ablateChannel(raw.subarray(u * layerRow, (u + 1) * layerRow), ablated.subarray(r * layerRow, (r + 1) * layerRow), k, channels, inner, fills[u]!);
          rowExamples[r] = used[u]!;
        }
        const { logits } = await call.run({
          input: { data: inputs.subarray(0, rows * size), shape: [rows, ...input.shape.slice(1)] },
          examples: rowExamples.subarray(0, rows),
          outputs: ['logits'],
          layer,
          layerActivations: { data: ablated.subarray(0, rows * layerRow), shape: [rows, ...rawShape.slice(1)] },
        });
        storeChannelScores(checkLogitRows(logits, rows), { start, channels, pairsOf, targets, examples, objective: call.objective }, scores);
      },
      request.onProgress,
    );

    // 3. w_k = (y - y_k) / y (no epsilon, as pytorch-grad-cam), then the weighted sum of the feature map.
    for (let p = 0; p < pairs; p++) {
      const y = original[p]!;
      for (let k = 0; k < channels; k++) scores[p * channels + k] = (y - scores[p * channels + k]!) / y;
    }
    const featureRow = g.channels * g.height * g.width;
    const pairActivations = new Float32Array(pairs * featureRow);
    examples.forEach((e, p) => {
      const u = slot.get(e)!;
      const rowOf = { data: raw.subarray(u * layerRow, (u + 1) * layerRow), shape: [1, ...rawShape.slice(1)] };
      pairActivations.set(request.featureMap(rowOf).data, p * featureRow);
    });
    maps = new Float32Array(pairs * g.height * g.width);
    weightedChannelSum({ data: pairActivations, shape: [pairs, ...(channelsFirst ? [channels, g.height, g.width] : [g.height, g.width, channels])] }, scores, g, maps);
    return { maps, geometry: g, meta: { ablatedPasses: total } };
  },
});
