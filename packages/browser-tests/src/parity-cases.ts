import type { Method, TensorData } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient, inputXGradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import { type CaptumFixture, type CaptumModelName, nchwToNhwc } from '@salience/testing';

/** The image layout of a runtime's fixture models: tfjs rebuilds are NHWC, the ONNX files NCHW as in PyTorch. */
export type ImageLayout = 'NHWC' | 'NCHW';

/** One method run on a fixture model and compared with one of Captum's arrays. */
export interface ParityCase {
  readonly check: string;
  readonly method: Method<object>;
  readonly options: (fixture: CaptumFixture, layout: ImageLayout) => object;
  /** Captum's array, in the layout of our result. */
  readonly expected: (fixture: CaptumFixture, layout: ImageLayout) => TensorData;
}

/** Captum's NCHW arrays in the runtime's layout. */
export const inLayout = (t: TensorData, layout: ImageLayout): TensorData => (layout === 'NHWC' && t.shape.length === 4 ? nchwToNhwc(t) : t);
/** Captum's [B, 1, h, w] Grad-CAM holds the same numbers as our [B, h, w]. */
const dropChannel = (t: TensorData): TensorData => ({ data: t.data, shape: [t.shape[0]!, ...t.shape.slice(2)] });
const fromCase = (name: string) => (f: CaptumFixture, layout: ImageLayout) => inLayout(f.cases[name]!, layout);
/** The fixture's noise [n, B, C, H, W], in the runtime's layout. */
const noiseOf = (f: CaptumFixture, layout: ImageLayout) => (layout === 'NHWC' ? nchwToNhwc(f.cases.smoothgrad_noise!, 2) : f.cases.smoothgrad_noise);

/** Captum's sliding windows: (1, 4, 4) step (1, 2, 2) on smallcnn, 6 step 3 over all channels on colorcnn. */
function occlusionSettings(f: CaptumFixture, layout: ImageLayout): object {
  if (f.name !== 'smallcnn') return { window: 6, stride: 3, batchSize: 7 };
  return layout === 'NHWC' ? { window: [4, 4, 1], stride: [2, 2, 1] } : { window: [1, 4, 4], stride: [1, 2, 2] };
}

const IMAGE_CASES: readonly ParityCase[] = [
  { check: 'gradient (signed)', method: gradient, options: () => ({ variant: 'signed' }), expected: fromCase('gradient') },
  { check: '|gradient|, channel max', method: gradient, options: () => ({ channelReduction: 'max' }), expected: (f) => f.cases.saliency_abs_channel_max! },
  { check: 'input x gradient', method: inputXGradient, options: () => ({}), expected: fromCase('input_x_gradient') },
  {
    check: 'IG riemann-right, 50 steps',
    method: integratedGradients,
    options: () => ({ quadrature: 'riemann-right', steps: 50 }),
    expected: fromCase('ig_riemann_right_50'),
  },
  {
    // The left rule evaluates the baseline itself, where every max-pool window of smallcnn ties
    // (webgl and webgpu give ties to the first maximum only through the adapter's own gradient).
    // Captum's trapezoid rule is left out here: its alpha = k/49 points meet a near-tie at one
    // pixel of smallcnn that GPU arithmetic breaks the other way (2.8e-3 of the map's max).
    check: 'IG riemann-left, 50 steps',
    method: integratedGradients,
    options: () => ({ quadrature: 'riemann-left', steps: 50 }),
    expected: fromCase('ig_riemann_left_50'),
  },
  {
    check: 'IG gauss-legendre, 50 steps',
    method: integratedGradients,
    options: () => ({ quadrature: 'gauss-legendre', steps: 50 }),
    expected: fromCase('ig_gausslegendre_50'),
  },
  {
    check: 'SmoothGrad |gradient|',
    method: smoothGrad(gradient),
    options: (f, layout) => ({ variant: 'absolute', noise: noiseOf(f, layout) }),
    expected: fromCase('smoothgrad_abs'),
  },
  {
    check: 'VarGrad',
    method: smoothGrad(gradient),
    options: (f, layout) => ({ variant: 'signed', statistic: 'variance', noise: noiseOf(f, layout) }),
    expected: fromCase('vargrad'),
  },
  {
    check: 'Grad-CAM at the layer',
    method: gradCam,
    options: (f) => ({ resolution: 'layer', layer: f.gradcamLayer }),
    expected: (f) => dropChannel(f.cases.gradcam_layer!),
  },
  {
    check: 'Grad-CAM, bilinear to the input',
    method: gradCam,
    options: (f) => ({ resolution: 'input', upsample: 'bilinear', layer: f.gradcamLayer }),
    expected: (f) => dropChannel(f.cases.gradcam_bilinear!),
  },
  { check: 'occlusion', method: occlusion, options: occlusionSettings, expected: fromCase('occlusion') },
];

const TABULAR_CASES: readonly ParityCase[] = [
  { check: 'gradient (signed)', method: gradient, options: () => ({ variant: 'signed' }), expected: (f) => f.cases.gradient! },
  { check: 'input x gradient', method: inputXGradient, options: () => ({}), expected: (f) => f.cases.input_x_gradient! },
  { check: 'IG gauss-legendre, 64 steps', method: integratedGradients, options: () => ({ steps: 64 }), expected: (f) => f.cases.ig_gausslegendre_64! },
];

/** Every method of the Captum fixtures, per fixture model. */
export const PARITY_MODELS: readonly [CaptumModelName, readonly ParityCase[]][] = [
  ['smallcnn', IMAGE_CASES],
  ['colorcnn', IMAGE_CASES],
  ['tabular', TABULAR_CASES],
];
