import type { Attribution, BackwardRuleKind, LrpCompositeName, Method, Model, OutputName, TensorData } from '@salience/core';
import { gradCam, type TokenGridOption } from '@salience/grad-cam';
import { type GradientVariant, gradient } from '@salience/gradient';
import { type IntegratedGradientsOptions, integratedGradients, type Quadrature } from '@salience/integrated-gradients';
import type { LrpBound } from '@salience/modified-backprop';
import { type OcclusionOptions, occlusion } from '@salience/occlusion';
import type { ReportDisplay } from '@salience/render';
import { type NoiseStdev, type SmoothGradStatistic, smoothGrad } from '@salience/smoothgrad';
import { usageError } from '../cli-error.js';
import { BACKPROP_FAMILY, type LrpLayerMap } from './backprop-family.js';
import { CAM_FAMILY } from './cam-family.js';
import { SHAPLEY_FAMILY } from './shapley-family.js';

type IgBaseline = NonNullable<IntegratedGradientsOptions['baselines']>;
type OcclusionBaseline = NonNullable<OcclusionOptions['baseline']>;

/** The names `--method` accepts. */
export type MethodName =
  | 'gradient'
  | 'smoothgrad'
  | 'ig'
  | 'gradcam'
  | 'occlusion'
  | 'hirescam'
  | 'xgradcam'
  | 'layercam'
  | 'scorecam'
  | 'eigencam'
  | 'ablationcam'
  | 'attention-rollout'
  | 'kernel-shap'
  | 'lime'
  | 'shapley-sampling'
  | 'guided-backprop'
  | 'deconvnet'
  | 'deep-lift'
  | 'lrp'
  | 'guided-gradcam';

/** What `salience explain` runs when no --method is given, in this order. */
export const DEFAULT_METHODS: readonly MethodName[] = ['gradient', 'smoothgrad', 'ig', 'gradcam', 'occlusion'];

/** Every name `--method` accepts: the defaults, then the CAM family, the Shapley family, modified backpropagation. */
export const METHOD_NAMES: readonly MethodName[] = [
  ...DEFAULT_METHODS,
  'hirescam',
  'xgradcam',
  'layercam',
  'scorecam',
  'eigencam',
  'ablationcam',
  'attention-rollout',
  'kernel-shap',
  'lime',
  'shapley-sampling',
  'guided-backprop',
  'deconvnet',
  'deep-lift',
  'lrp',
  'guided-gradcam',
];

/** Other spellings of the method names (the packages' ids, Captum's class names). */
const ALIASES: Readonly<Record<string, MethodName>> = {
  saliency: 'gradient',
  'integrated-gradients': 'ig',
  integratedgradients: 'ig',
  'grad-cam': 'gradcam',
  layergradcam: 'gradcam',
  'smooth-grad': 'smoothgrad',
  noisetunnel: 'smoothgrad',
  'hires-cam': 'hirescam',
  'xgrad-cam': 'xgradcam',
  'layer-cam': 'layercam',
  'score-cam': 'scorecam',
  'eigen-cam': 'eigencam',
  'ablation-cam': 'ablationcam',
  rollout: 'attention-rollout',
  attentionrollout: 'attention-rollout',
  kernelshap: 'kernel-shap',
  shap: 'kernel-shap',
  shapleyvaluesampling: 'shapley-sampling',
  'shapley-value-sampling': 'shapley-sampling',
  guidedbackprop: 'guided-backprop',
  'guided-backpropagation': 'guided-backprop',
  deconvolution: 'deconvnet',
  deeplift: 'deep-lift',
  'guided-grad-cam': 'guided-gradcam',
  guidedgradcam: 'guided-gradcam',
};

export function methodName(text: string): MethodName {
  const key = text.trim().toLowerCase();
  if (METHOD_NAMES.includes(key as MethodName)) return key as MethodName;
  const alias = ALIASES[key];
  if (alias) return alias;
  // In many ML tools -m is the model: say so rather than "unknown method".
  if (/\.(onnx|json|pb|tflite|h5|keras|pt|pth)$|[/\\]/i.test(key)) {
    throw usageError(`'${text}' looks like a model file, but -m is short for --method here; give the model with --model ${text}.`);
  }
  throw usageError(`Unknown method '${text}'; use one of ${METHOD_NAMES.join(', ')}.`);
}

/** A --baseline as given: a number, a name, or a tensor read from a .npy file. */
export type BaselineFlag = number | 'zero' | 'blur' | 'mean' | 'uniform' | TensorData;

/** Method options from the command line, already parsed. */
export interface MethodFlags {
  readonly variant?: GradientVariant;
  readonly steps?: number;
  readonly quadrature?: string;
  readonly baseline?: BaselineFlag;
  readonly samples?: number;
  readonly stdev?: NoiseStdev;
  readonly statistic?: SmoothGradStatistic;
  readonly layer?: string;
  readonly upsample?: 'bilinear' | 'nearest' | 'none';
  readonly relu?: boolean;
  readonly window?: number | readonly number[];
  readonly stride?: number | readonly number[];
  /** CAM family on a vision transformer's token layer: the grid the tokens lie on. */
  readonly tokenGrid?: TokenGridOption;
  /** Shapley family: square cells of this many pixels as features. */
  readonly grid?: number;
  /** Shapley family: about this many SLIC superpixels per image as features. */
  readonly superpixels?: number;
  /** lrp: the epsilon rule's stabiliser. */
  readonly lrpEpsilon?: number;
  /** lrp: one of Zennit's composites (rules per layer type) instead of epsilon everywhere. */
  readonly lrpComposite?: LrpCompositeName;
  /** lrp: a rule per layer type (first, convolutions, dense layers). */
  readonly lrpRules?: LrpLayerMap;
  /** lrp: the gamma rule's gamma. */
  readonly lrpGamma?: number;
  /** lrp: the z-box rule's input bounds, one value or one per channel. */
  readonly lrpLow?: LrpBound;
  readonly lrpHigh?: LrpBound;
  /** lrp: where z-box bounds the user did not give came from (set by the command from its preprocessing; not a flag). */
  readonly lrpBoundsFrom?: string;
}

export type MethodFlag = keyof MethodFlags;

/** A method of the command: the library method, its options from the flags, and how it is drawn. */
export interface MethodSpec {
  readonly name: MethodName;
  readonly title: string;
  /** Flags this method reads; giving one that no chosen method reads is a usage error. */
  readonly flags: readonly MethodFlag[];
  readonly requires: readonly OutputName[];
  /** Why the method cannot explain this kind of model at all, if it cannot (checked before defaults run it). */
  unfit?(model: Model): string | undefined;
  /** Backward rules the model must apply (`model.backwardRules`); without --model the built-in ONNX model, which applies them all, is loaded. */
  readonly needsBackwardRules?: readonly BackwardRuleKind[];
  configure(flags: MethodFlags): ConfiguredMethod;
}

export interface ConfiguredMethod {
  readonly method: Method<object>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly display: ReportDisplay;
  /** One line for the report. */
  readonly description: string;
}

/**
 * Captum's spellings (`gausslegendre`, `riemann_trapezoid`...) and the library's. Captum's
 * trapezoid weights sum to (n - 1)/n; its spelling reproduces that, the library's is the exact rule.
 */
const QUADRATURES: Readonly<Record<string, { quadrature: Quadrature; captumTrapezoid?: boolean }>> = {
  'gauss-legendre': { quadrature: 'gauss-legendre' },
  gausslegendre: { quadrature: 'gauss-legendre' },
  'riemann-left': { quadrature: 'riemann-left' },
  riemann_left: { quadrature: 'riemann-left' },
  'riemann-right': { quadrature: 'riemann-right' },
  riemann_right: { quadrature: 'riemann-right' },
  'riemann-middle': { quadrature: 'riemann-middle' },
  riemann_middle: { quadrature: 'riemann-middle' },
  'riemann-trapezoid': { quadrature: 'riemann-trapezoid' },
  riemann_trapezoid: { quadrature: 'riemann-trapezoid', captumTrapezoid: true },
};

export const QUADRATURE_SPELLINGS: readonly string[] = Object.keys(QUADRATURES);

export function quadratureOption(text: string): { quadrature: Quadrature; captumTrapezoid?: boolean } {
  const found = QUADRATURES[text];
  if (!found) throw usageError(`--quadrature must be one of ${QUADRATURE_SPELLINGS.join(', ')}; got '${text}'.`);
  return found;
}

function igBaseline(flag: BaselineFlag | undefined): IgBaseline | undefined {
  if (flag === 'mean') throw usageError('--baseline mean applies to occlusion only; integrated gradients takes zero, a number, blur, uniform or a .npy file.');
  return flag;
}

function occlusionBaseline(flag: BaselineFlag | undefined): OcclusionBaseline | undefined {
  if (flag === 'uniform') throw usageError('--baseline uniform applies to integrated gradients only; occlusion takes zero, a number, blur, mean or a .npy file.');
  return flag === 'zero' ? 0 : flag;
}

function defined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Overlays a little stronger than the report's default: small gray inputs need it. */
const OPACITY = 0.8;
const SIGNED: ReportDisplay = { sign: 'all', opacity: OPACITY };
const MAGNITUDE: ReportDisplay = { sign: 'absolute', opacity: OPACITY };

export const METHODS: Readonly<Record<MethodName, MethodSpec>> = {
  gradient: {
    name: 'gradient',
    title: 'Gradient',
    flags: ['variant'],
    requires: ['inputGradients'],
    configure(flags) {
      const variant = flags.variant ?? 'absolute';
      return {
        method: gradient as Method<object>,
        options: { variant },
        display: variant === 'absolute' ? MAGNITUDE : SIGNED,
        description: variant === 'absolute' ? '|d logit / d input|' : variant === 'signed' ? 'd logit / d input' : 'input x gradient',
      };
    },
  },
  smoothgrad: {
    name: 'smoothgrad',
    title: 'SmoothGrad',
    flags: ['variant', 'samples', 'stdev', 'statistic'],
    requires: ['inputGradients'],
    configure(flags) {
      const variant = flags.variant ?? 'absolute';
      const statistic = flags.statistic ?? 'mean';
      return {
        method: smoothGrad(gradient) as Method<object>,
        options: defined({ variant, samples: flags.samples, stdev: flags.stdev, statistic }),
        display: variant === 'absolute' || statistic !== 'mean' ? MAGNITUDE : SIGNED,
        description: `${statistic === 'mean' ? 'mean' : statistic === 'variance' ? 'variance' : 'mean square'} of the ${variant} gradient over noisy copies`,
      };
    },
  },
  ig: {
    name: 'ig',
    title: 'Integrated gradients',
    flags: ['steps', 'quadrature', 'baseline'],
    requires: ['inputGradients'],
    configure(flags) {
      const rule = flags.quadrature === undefined ? {} : quadratureOption(flags.quadrature);
      return {
        method: integratedGradients as Method<object>,
        options: defined({ steps: flags.steps, ...rule, baselines: igBaseline(flags.baseline) }),
        display: SIGNED,
        description: '(input - baseline) x the mean gradient along the straight path',
      };
    },
  },
  gradcam: {
    name: 'gradcam',
    title: 'Grad-CAM',
    flags: ['layer', 'upsample', 'relu'],
    requires: ['layerActivations', 'layerGradients'],
    unfit: (model) => (model.layout === 'NCHW' || model.layout === 'NHWC' ? undefined : `Grad-CAM explains image models, and this model's layout is ${model.layout}`),
    configure(flags) {
      const layerResolution = flags.upsample === 'none';
      const relu = flags.relu ?? true;
      return {
        method: gradCam as Method<object>,
        options: defined({
          layer: flags.layer,
          relu,
          resolution: layerResolution ? 'layer' : 'input',
          upsample: layerResolution ? undefined : flags.upsample,
        }),
        display: { sign: relu ? 'positive' : 'all', normalization: 'abs-max', opacity: OPACITY },
        description: 'class activation map: layer activations weighted by their mean gradient',
      };
    },
  },
  occlusion: {
    name: 'occlusion',
    title: 'Occlusion',
    flags: ['window', 'stride', 'baseline'],
    requires: ['logits'],
    configure(flags) {
      return {
        method: occlusion as Method<object>,
        options: defined({ window: flags.window, stride: flags.stride, baseline: occlusionBaseline(flags.baseline) }),
        display: SIGNED,
        description: 'drop in the target logit when a sliding window is blanked out',
      };
    },
  },
  ...CAM_FAMILY,
  ...SHAPLEY_FAMILY,
  ...BACKPROP_FAMILY,
};

/**
 * Grad-CAM returns [N, H, W]; the command stores every map in the input's layout, so a
 * one-channel axis is added ([N, 1, H, W] or [N, H, W, 1]).
 */
export function valuesInInputLayout(attribution: Attribution, inputLayout: string): TensorData {
  const { values, layout } = attribution;
  if (layout !== 'NHW') return values;
  const [n, h, w] = values.shape as [number, number, number];
  return { data: values.data, shape: inputLayout === 'NCHW' ? [n, 1, h, w] : [n, h, w, 1] };
}

export function layoutInInputLayout(attribution: Attribution, inputLayout: string): string {
  return attribution.layout === 'NHW' ? inputLayout : attribution.layout;
}
