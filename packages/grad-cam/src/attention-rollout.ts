import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  type LayerInfo,
  type Method,
  type Model,
  OptionError,
  ShapeError,
  type TensorData,
  throwIfAborted,
  UnknownLayerError,
} from '@salience/core';
import { checkTargetClasses } from './cam-method.js';
import { minMaxInPlace } from './min-max.js';
import { checkUpsample, mapResizer, type Upsample } from './resize.js';
import { type TokenGrid, type TokenGridOption, tokenGrid } from './token-grid.js';

/** How the heads of one layer become one attention matrix: their mean (the paper), max or min. */
export type HeadFusion = 'mean' | 'max' | 'min';

export interface AttentionRolloutOptions {
  /**
   * The attention probabilities of each block, first block first: names from `model.layers()` of
   * outputs [batch, heads, tokens, tokens]. Default: every Softmax layer of that shape, in order.
   */
  readonly layers?: readonly string[];
  /** Default 'mean', as in Abnar & Zuidema. */
  readonly headFusion?: HeadFusion;
  /** How the tokens lie on the image; default: found from the token count (see `tokenGrid`). */
  readonly tokenGrid?: TokenGridOption;
  /** 'layer': the token grid; 'input' (default): upsampled to the input's height and width. */
  readonly resolution?: 'layer' | 'input';
  readonly upsample?: Upsample;
  readonly normalize?: 'none' | 'min-max';
}

export const ATTENTION_ROLLOUT_OPTION_KEYS: readonly (keyof AttentionRolloutOptions)[] = ['layers', 'headFusion', 'tokenGrid', 'resolution', 'upsample', 'normalize'];

const isAttention = (l: LayerInfo) => /softmax/i.test(l.kind) && l.outputShape.length === 4 && l.outputShape[2] !== null && l.outputShape[2] === l.outputShape[3];

function attentionLayers(model: Model, names: readonly string[] | undefined): LayerInfo[] {
  const layers = model.layers();
  if (names === undefined) {
    const found = layers.filter(isAttention);
    if (found.length === 0) {
      throw new OptionError(`No layer of this model looks like attention probabilities (a Softmax output [batch, heads, tokens, tokens]); name them in layers: [...].`);
    }
    return found;
  }
  if (!Array.isArray(names) || names.length === 0) throw new OptionError('layers must be a non-empty list of layer names, first block first.');
  return names.map((name) => {
    const info = layers.find((l) => l.name === name || l.aliases?.includes(name));
    if (!info)
      throw new UnknownLayerError(
        name,
        layers.map((l) => l.name),
      );
    if (info.outputShape.length !== 4)
      throw new OptionError(`Layer '${name}' has output [${info.outputShape.join(', ')}]; attention probabilities are [batch, heads, tokens, tokens].`);
    return info;
  });
}

/**
 * Multiplies one layer's fused attention, with the residual path, into the rollout of one example:
 * `rollout ← ((A + I) / 2, rows renormalised) · rollout`, A the heads fused.
 */
export function rolloutStep(attention: Float32Array, heads: number, tokens: number, fusion: HeadFusion, rollout: Float64Array): void {
  const a = new Float64Array(tokens * tokens);
  const plane = tokens * tokens;
  for (let i = 0; i < plane; i++) {
    let v = attention[i]!;
    for (let h = 1; h < heads; h++) {
      const x = attention[h * plane + i]!;
      v = fusion === 'mean' ? v + x : fusion === 'max' ? Math.max(v, x) : Math.min(v, x);
    }
    a[i] = (fusion === 'mean' ? v / heads : v)!;
  }
  for (let i = 0; i < tokens; i++) {
    a[i * tokens + i]! += 1;
    let sum = 0;
    for (let j = 0; j < tokens; j++) sum += a[i * tokens + j]!;
    for (let j = 0; j < tokens; j++) a[i * tokens + j]! /= sum;
  }
  const next = new Float64Array(plane);
  for (let i = 0; i < tokens; i++) {
    for (let k = 0; k < tokens; k++) {
      const aik = a[i * tokens + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < tokens; j++) next[i * tokens + j]! += aik * rollout[k * tokens + j]!;
    }
  }
  rollout.set(next);
}

/**
 * Attention rollout (Abnar & Zuidema 2020) for vision transformers: each block's attention, heads
 * fused and averaged with the identity for the residual connection, multiplied from the first block
 * to the last; the first token's row over the image tokens is the map. Forward-only and
 * class-agnostic (every target of an example gets the same map); one forward pass per attention
 * layer and batch, since a request taps one layer.
 */
export const attentionRollout: Method<AttentionRolloutOptions> = {
  id: 'attention-rollout',
  requires: ['logits', 'layerActivations'],
  optionKeys: ATTENTION_ROLLOUT_OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: AttentionRolloutOptions & CommonOptions = {}): Promise<Attribution> {
    const fusion = options.headFusion ?? 'mean';
    if (!['mean', 'max', 'min'].includes(fusion)) throw new OptionError(`Unknown headFusion '${fusion}'; use 'mean', 'max' or 'min'.`);
    const resolution = options.resolution ?? 'input';
    if (resolution !== 'layer' && resolution !== 'input') throw new OptionError(`Unknown resolution '${resolution}'; use 'layer' or 'input'.`);
    if (resolution === 'layer' && options.upsample !== undefined) throw new OptionError(`upsample only applies with resolution 'input'.`);
    const upsample = checkUpsample(options.upsample ?? 'bilinear');
    const normalize = options.normalize ?? 'none';
    if (normalize !== 'none' && normalize !== 'min-max') throw new OptionError(`Unknown normalize '${normalize}'; use 'none' or 'min-max'.`);
    let layers: LayerInfo[] = [];
    const call = await beginMethod(model, input, options, {
      id: 'attention-rollout',
      requires: this.requires,
      optionKeys: ATTENTION_ROLLOUT_OPTION_KEYS,
      layouts: ['NCHW', 'NHWC'],
      check: () => {
        layers = attentionLayers(model, options.layers);
      },
    });
    const { examples, targets } = call;
    const rows = examples.length;
    let grid: TokenGrid | undefined;
    let tokens = 0;
    let maps = new Float32Array(0);
    await call.forEachBatch(
      rows,
      async (start, end) => {
        const n = end - start;
        let rollouts: Float64Array[] = [];
        for (const [l, layer] of layers.entries()) {
          // Several calls per batch (one per attention layer): check the signal between them too.
          throwIfAborted(options.signal);
          const { layerActivations: attention, logits } = await call.run({
            input: call.mapInput(start, end),
            examples: examples.subarray(start, end),
            outputs: ['layerActivations', 'logits'],
            layer: layer.name,
          });
          if (start === 0 && l === 0) checkTargetClasses(targets, logits);
          const [b, heads, t, t2] = attention.shape as [number, number, number, number];
          if (attention.shape.length !== 4 || b !== n || t !== t2) {
            throw new ShapeError(`Layer '${layer.name}' gave [${attention.shape.join(', ')}]; attention probabilities are [batch, heads, tokens, tokens].`);
          }
          if (!grid) {
            tokens = t;
            grid = tokenGrid(t, options.tokenGrid);
            maps = new Float32Array(rows * grid.height * grid.width);
          } else if (t !== tokens) throw new ShapeError(`Layer '${layer.name}' has ${t} tokens; the first attention layer had ${tokens}.`);
          if (l === 0) {
            rollouts = Array.from({ length: n }, () => {
              const eye = new Float64Array(t * t);
              for (let i = 0; i < t; i++) eye[i * t + i] = 1;
              return eye;
            });
          }
          const size = heads * t * t;
          for (let r = 0; r < n; r++) rolloutStep(attention.data.subarray(r * size, (r + 1) * size), heads, t, fusion, rollouts[r]!);
        }
        const g = grid!;
        const cells = g.height * g.width;
        for (let r = 0; r < n; r++) {
          // The first token's row: how much each image token flows into it.
          for (let c = 0; c < cells; c++) maps[(start + r) * cells + c] = rollouts[r]![g.prefixTokens + c]!;
        }
      },
      options.onProgress,
    );
    const g = grid!;
    const cells = g.height * g.width;
    let values = maps;
    let [outHeight, outWidth] = [g.height, g.width];
    if (resolution === 'input') {
      [outHeight, outWidth] = model.layout === 'NCHW' ? [input.shape[2]!, input.shape[3]!] : [input.shape[1]!, input.shape[2]!];
      values = new Float32Array(rows * outHeight * outWidth);
      const resize = mapResizer(g.height, g.width, outHeight, outWidth, upsample);
      for (let r = 0; r < rows; r++) resize(maps.subarray(r * cells, (r + 1) * cells), values.subarray(r * outHeight * outWidth, (r + 1) * outHeight * outWidth));
    }
    const outSize = outHeight * outWidth;
    if (normalize === 'min-max') for (let r = 0; r < rows; r++) minMaxInPlace(values.subarray(r * outSize, (r + 1) * outSize));
    return {
      method: 'attention-rollout',
      values: { data: values, shape: [rows, outHeight, outWidth] },
      layout: 'NHW',
      examples,
      targets,
      meta: {
        layers: layers.map((l) => l.name),
        headFusion: fusion,
        tokenGrid: g,
        resolution,
        upsample: resolution === 'input' ? upsample : null,
        normalize,
        batchSize: call.batchSize,
        modelCalls: call.modelCalls,
      },
    };
  },
};
