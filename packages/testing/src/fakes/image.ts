import { createRng, OptionError } from '@salience/core';
import type { AnalyticNet, RowState } from './analytic-net.js';
import type { FakeModelOptions } from './fake-model.js';
import { FakeModel } from './fake-model.js';

export interface ImageFakeOptions extends FakeModelOptions {
  /** Where the channel axis is; default 'NCHW'. */
  readonly layout?: 'NCHW' | 'NHWC';
  readonly channels?: number;
  readonly height?: number;
  readonly width?: number;
  /** Channels of the feature map (layer 'features'). */
  readonly features?: number;
  readonly classes?: number;
  readonly seed?: number;
}

/**
 * Parameters of the image fake, per pixel p:
 * features_k(p) = sum_c M_kc x_c(p) + beta_k   (layer 'features', a 1x1 convolution, spatial),
 * pooled_k = mean_p S_p tanh(features_k(p))   (layer 'pooled'),
 * logits_j = Q_j . pooled + b_j.
 */
export interface ImageParams {
  readonly layout: 'NCHW' | 'NHWC';
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly features: number;
  readonly classes: number;
  /** [features, channels] */
  readonly M: Float64Array;
  /** [features] */
  readonly beta: Float64Array;
  /** [height * width], positive spatial weights */
  readonly S: Float64Array;
  /** [classes, features] */
  readonly Q: Float64Array;
  /** [classes] */
  readonly b: Float64Array;
}

export function imageParams(options: ImageFakeOptions = {}): ImageParams {
  const { layout = 'NCHW', channels = 3, height = 6, width = 5, features = 4, classes = 3, seed = 2 } = options;
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new OptionError(`An image fake's layout is 'NCHW' or 'NHWC'; got '${layout}'.`);
  const rng = createRng(seed);
  const normal = (n: number, std: number) => Float64Array.from({ length: n }, () => std * rng.normal());
  return {
    layout,
    channels,
    height,
    width,
    features,
    classes,
    M: normal(features * channels, 0.8),
    beta: normal(features, 0.2),
    S: Float64Array.from({ length: height * width }, () => 0.5 + 1.5 * rng.uniform()),
    Q: normal(classes * features, 1.5),
    b: normal(classes, 0.2),
  };
}

function imageNet(p: ImageParams): AnalyticNet {
  const { layout, channels: C, height, width, features: K, classes: J, M, beta, S, Q, b } = p;
  const P = height * width;
  // Offsets of (channel, pixel) in a row, in the model's layout.
  // `n` is the channel count of the tensor being indexed (input or feature map).
  const at = layout === 'NCHW' ? (c: number, px: number, _n: number) => c * P + px : (c: number, px: number, n: number) => px * n + c;
  const mapShape = (n: number) => (layout === 'NCHW' ? [n, height, width] : [height, width, n]);
  return {
    classes: J,
    layers: [
      { info: { name: 'features', kind: 'Conv2D', outputShape: [null, ...mapShape(K)], spatial: true }, rowShape: () => mapShape(K) },
      { info: { name: 'pooled', kind: 'GlobalAveragePooling2D', outputShape: [null, K], spatial: false }, rowShape: () => [K] },
    ],
    forward(x, rowShape): RowState {
      const feats = new Float64Array(K * P);
      const pooled = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        for (let px = 0; px < P; px++) {
          let f = beta[k]!;
          for (let c = 0; c < C; c++) f += M[k * C + c]! * x[at(c, px, C)]!;
          feats[at(k, px, K)] = f;
          pooled[k]! += (S[px]! * Math.tanh(f)) / P;
        }
      }
      const logits = new Float64Array(J);
      for (let j = 0; j < J; j++) {
        let z = b[j]!;
        for (let k = 0; k < K; k++) z += Q[j * K + k]! * pooled[k]!;
        logits[j] = z;
      }
      return { x, rowShape, logits, layers: { features: feats, pooled } };
    },
    backward(state, g) {
      const feats = state.layers.features!;
      const gPooled = new Float64Array(K);
      for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) gPooled[k]! += g[j]! * Q[j * K + k]!;
      const gFeats = new Float64Array(K * P);
      const input = new Float64Array(C * P);
      for (let px = 0; px < P; px++) {
        for (let k = 0; k < K; k++) {
          const t = Math.tanh(feats[at(k, px, K)]!);
          const gf = ((gPooled[k]! * S[px]!) / P) * (1 - t * t);
          gFeats[at(k, px, K)] = gf;
          for (let c = 0; c < C; c++) input[at(c, px, C)]! += gf * M[k * C + c]!;
        }
      }
      return { input, layers: { features: gFeats, pooled: gPooled } };
    },
  };
}

/**
 * An image model (input [B, C, H, W] or [B, H, W, C]) with exactly known gradients, a spatial layer
 * 'features' for Grad-CAM and a pooled layer 'pooled'.
 */
export function createImageModel(options: ImageFakeOptions = {}): FakeModel & { readonly params: ImageParams } {
  const params = imageParams(options);
  const { layout, channels, height, width } = params;
  const model = new FakeModel(
    {
      layout,
      inputShape: layout === 'NCHW' ? [null, channels, height, width] : [null, height, width, channels],
      provides: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'],
      net: imageNet(params),
    },
    options,
  );
  return Object.assign(model, { params });
}
