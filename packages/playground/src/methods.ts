import type { BackwardRuleKind, Method, Model, TensorData } from '@salience/core';
import { ablationCam, eigenCam, gradCam, gradCamPlusPlus, hiResCam, layerCam, scoreCam, xGradCam } from '@salience/grad-cam';
import { gradient, inputXGradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { deconvnet, deepLift, guidedBackprop, guidedGradCam, lrp } from '@salience/modified-backprop';
import { occlusion } from '@salience/occlusion';
import { gridMask, kernelShap, lime, shapleySampling } from '@salience/shapley';
import { smoothGrad } from '@salience/smoothgrad';
import type { ChannelNormalization, ImageShape } from './image-input.js';

export type MethodId =
  | 'gradient'
  | 'input-x-gradient'
  | 'smoothgrad'
  | 'integrated-gradients'
  | 'grad-cam'
  | 'grad-cam-pp'
  | 'hirescam'
  | 'xgradcam'
  | 'layercam'
  | 'scorecam'
  | 'eigencam'
  | 'ablationcam'
  | 'occlusion'
  | 'kernel-shap'
  | 'lime'
  | 'shapley-sampling'
  | 'guided-backprop'
  | 'deconvnet'
  | 'deep-lift'
  | 'lrp'
  | 'guided-grad-cam';

/** A number the user may set for a method: an integer input on the page. */
export interface MethodParam {
  readonly key: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** The default for an input of this shape. */
  initial(shape: ImageShape): number;
}

/** A choice among named values for a method: a select on the page. */
export interface MethodPick {
  readonly key: string;
  readonly label: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly initial: string;
}

/** What the user chose for one method: its parameters, and for CAMs the layer (undefined: automatic). */
export interface MethodSettings {
  readonly values: Readonly<Record<string, number>>;
  /** The option chosen in each of the method's selects (absent: each pick's initial one). */
  readonly picks?: Readonly<Record<string, string>>;
  readonly layer?: string;
  /** The page's mean and std (the input is (pixel / 255 - mean) / std): pixel bounds and baselines become input values through them. */
  readonly normalization?: ChannelNormalization;
}

/** A method as the page offers it: the library method, its parameters and the options it runs with. */
export interface MethodChoice {
  readonly id: MethodId;
  readonly title: string;
  readonly method: Method<object>;
  /** Scores with a meaningful sign (shown signed by default); the others are magnitudes or ReLU'd maps. */
  readonly signed: boolean;
  /** Works at a layer chosen from `model.layers()` (the CAM family). */
  readonly usesLayer: boolean;
  readonly params: readonly MethodParam[];
  /** Choices among named values (selects), beside the numbers. */
  readonly picks?: readonly MethodPick[];
  /** Backward rules the model must apply (`model.backwardRules`): modified backpropagation (LRP on ONNX models only). */
  readonly backwardRules?: readonly BackwardRuleKind[];
  /** Runs the model from given layer activations (`model.runsFromLayers`): AblationCAM. */
  readonly runsFromLayers?: boolean;
  /** Options for an input of this shape; the page adds target, signal and onProgress. */
  options(shape: ImageShape, settings: MethodSettings): Record<string, unknown>;
  /** One line saying what runs, shown beside the map. */
  describe(shape: ImageShape, settings: MethodSettings): string;
}

const side = (shape: ImageShape) => Math.min(shape.height, shape.width);
/** About a seventh of the shorter side: 4 px on 28x28, 32 px on 224x224. */
const seventh = (shape: ImageShape) => Math.max(1, Math.round(side(shape) / 7));

const cellParam: MethodParam = { key: 'cell', label: 'cell', min: 1, max: 4096, initial: seventh };

function features(shape: ImageShape, cell: number): number {
  return Math.ceil(shape.height / cell) * Math.ceil(shape.width / cell);
}

const camDescription = (what: string) => (_shape: ImageShape, s: MethodSettings) => `${what}, at ${s.layer ?? 'the last convolution'}, upsampled to the input`;

function cam(id: MethodId, title: string, method: Method<object>, what: string): MethodChoice {
  return {
    id,
    title,
    method,
    signed: false,
    usesLayer: true,
    params: [],
    options: (_shape, s) => (s.layer ? { layer: s.layer } : {}),
    describe: camDescription(what),
  };
}

/** Modified backpropagation (@salience/modified-backprop): signed maps, rules the model applies in its own backward graph. */
function backprop(id: MethodId, title: string, method: Method<object>, rules: readonly BackwardRuleKind[], what: string): MethodChoice {
  return { id, title, method, signed: true, usesLayer: false, params: [], backwardRules: rules, options: () => ({}), describe: () => what };
}

/** The pick's chosen value: the settings', else its initial one. */
function picked(choice: Pick<MethodChoice, 'picks'>, settings: MethodSettings, key: string): string {
  const pick = choice.picks!.find((p) => p.key === key)!;
  return settings.picks?.[key] ?? pick.initial;
}

/** The input value of a pixel level (0 black .. 1 white) in each channel after the page's mean and std; one number when the channels agree. */
export function inputLevel(shape: ImageShape, level: number, normalization?: ChannelNormalization): number | number[] {
  const mean = normalization?.mean ?? [0];
  const std = normalization?.std ?? [1];
  const values = Array.from({ length: shape.channels }, (_, c) => (level - (mean[c] ?? mean[0])!) / (std[c] ?? std[0])!);
  return (values.every((v) => v === values[0]) ? values[0] : values)!;
}

/** One image [1, ...] of the input's layout with a value per channel. */
function constantImage(shape: ImageShape, values: readonly number[]): TensorData {
  const { height, width, channels } = shape;
  const plane = height * width;
  const data = new Float32Array(plane * channels);
  if (shape.layout === 'NCHW') {
    for (const [c, v] of values.entries()) data.fill(v, c * plane, (c + 1) * plane);
    return { data, shape: [1, channels, height, width] };
  }
  for (let i = 0; i < data.length; i++) data[i] = values[i % channels]!;
  return { data, shape: [1, height, width, channels] };
}

const BASELINE_LEVELS: Readonly<Record<string, number>> = { black: 0, gray: 0.5, white: 1 };

const deepLiftChoice: MethodChoice = {
  ...backprop('deep-lift', 'DeepLIFT', deepLift, ['rescale'], ''),
  picks: [
    {
      key: 'baseline',
      label: 'baseline',
      options: [
        { value: 'zero', label: 'zero input' },
        { value: 'black', label: 'black image' },
        { value: 'gray', label: 'gray image' },
        { value: 'white', label: 'white image' },
      ],
      initial: 'zero',
    },
  ],
  options(shape, s) {
    const baseline = picked(deepLiftChoice, s, 'baseline');
    if (baseline === 'zero') return {};
    // A pixel level becomes the model's input value through the page's mean and std: one number, or a row per channel.
    const level = inputLevel(shape, BASELINE_LEVELS[baseline]!, s.normalization);
    return { baseline: typeof level === 'number' ? level : constantImage(shape, level) };
  },
  describe: (_shape, s) => {
    const baseline = picked(deepLiftChoice, s, 'baseline');
    return `(input - baseline) × rescale-rule multipliers, from ${baseline === 'zero' ? 'a zero input' : `a ${baseline} image (after mean and std)`}`;
  },
};

/** LRP's rule sets: Captum's epsilon rule everywhere, or one of Zennit's composites. */
const LRP_RULE_SETS: readonly { readonly value: string; readonly label: string }[] = [
  { value: 'epsilon', label: "epsilon (Captum's 1e-9)" },
  { value: 'epsilon-plus-flat', label: 'EpsilonPlusFlat (Zennit)' },
  { value: 'epsilon-gamma-box', label: 'EpsilonGammaBox (Zennit)' },
  { value: 'epsilon-plus', label: 'EpsilonPlus (Zennit)' },
  { value: 'epsilon-alpha2-beta1', label: 'EpsilonAlpha2Beta1 (Zennit)' },
  { value: 'epsilon-alpha2-beta1-flat', label: 'EpsilonAlpha2Beta1Flat (Zennit)' },
];

const lrpChoice: MethodChoice = {
  ...backprop('lrp', 'LRP', lrp, ['lrp-epsilon'], ''),
  picks: [{ key: 'rules', label: 'rules', options: LRP_RULE_SETS, initial: 'epsilon' }],
  options(shape, s) {
    const rules = picked(lrpChoice, s, 'rules');
    if (rules === 'epsilon') return {};
    if (rules !== 'epsilon-gamma-box') return { composite: rules };
    // ZBox's box: black and white pixels as the model sees them.
    return { composite: rules, low: inputLevel(shape, 0, s.normalization), high: inputLevel(shape, 1, s.normalization) };
  },
  describe: (_shape, s) => {
    const rules = picked(lrpChoice, s, 'rules');
    if (rules === 'epsilon') return "layer-wise relevance, epsilon rule (Captum's 1e-9)";
    const label = LRP_RULE_SETS.find((r) => r.value === rules)?.label ?? rules;
    return `layer-wise relevance, ${label}${rules === 'epsilon-gamma-box' ? ', box = black to white pixels' : ''}, relevance one-hot at the target`;
  },
};

const smoothGradient = smoothGrad(gradient);

export const METHOD_CHOICES: readonly MethodChoice[] = [
  {
    id: 'gradient',
    title: '|gradient|',
    method: gradient,
    signed: false,
    usesLayer: false,
    params: [],
    options: () => ({ variant: 'absolute' }),
    describe: () => 'absolute input gradient (Simonyan et al.)',
  },
  {
    id: 'input-x-gradient',
    title: 'gradient × input',
    method: inputXGradient,
    signed: true,
    usesLayer: false,
    params: [],
    options: () => ({}),
    describe: () => 'gradient times input',
  },
  {
    id: 'smoothgrad',
    title: 'SmoothGrad',
    method: smoothGradient,
    signed: false,
    usesLayer: false,
    params: [
      { key: 'samples', label: 'samples', min: 1, max: 1024, initial: () => 16 },
      { key: 'noise', label: 'noise %', min: 1, max: 100, initial: () => 15 },
    ],
    options: (_shape, s) => ({ variant: 'absolute', samples: s.values.samples, stdev: { relative: s.values.noise! / 100 }, seed: 0 }),
    describe: (_shape, s) => `${s.values.samples} noisy |gradient|s, noise ${s.values.noise}% of the value range, seed 0`,
  },
  {
    id: 'integrated-gradients',
    title: 'integrated gradients',
    method: integratedGradients,
    signed: true,
    usesLayer: false,
    params: [{ key: 'steps', label: 'steps', min: 2, max: 1024, initial: () => 32 }],
    options: (_shape, s) => ({ steps: s.values.steps }),
    describe: (_shape, s) => `${s.values.steps} Gauss-Legendre steps from a zero input`,
  },
  cam('grad-cam', 'Grad-CAM', gradCam, 'channels weighted by their mean gradient'),
  cam('grad-cam-pp', 'Grad-CAM++', gradCamPlusPlus, 'Grad-CAM++ channel weights'),
  cam('hirescam', 'HiResCAM', hiResCam, 'gradient × activation summed over channels'),
  cam('xgradcam', 'XGrad-CAM', xGradCam, 'activation-normalised gradient weights'),
  cam('layercam', 'LayerCAM', layerCam, 'activations weighted by their positive gradients'),
  cam('scorecam', 'Score-CAM', scoreCam, 'channels weighted by the score of the masked input (forward only)'),
  cam('eigencam', 'EigenCAM', eigenCam, "the activations' first principal component (class-agnostic)"),
  { ...cam('ablationcam', 'AblationCAM', ablationCam, 'channels weighted by the drop of the score when each is ablated (forward only)'), runsFromLayers: true },
  {
    id: 'occlusion',
    title: 'occlusion',
    method: occlusion,
    signed: true,
    usesLayer: false,
    params: [
      { key: 'window', label: 'window', min: 1, max: 4096, initial: seventh },
      { key: 'stride', label: 'stride', min: 1, max: 4096, initial: (shape) => Math.max(1, Math.ceil(seventh(shape) / 2)) },
    ],
    options: (_shape, s) => ({ window: s.values.window, stride: s.values.stride }),
    describe: (_shape, s) => `${s.values.window}×${s.values.window} window of zeros, stride ${s.values.stride}`,
  },
  {
    id: 'kernel-shap',
    title: 'KernelSHAP',
    method: kernelShap,
    signed: true,
    usesLayer: false,
    params: [cellParam, { key: 'samples', label: 'samples', min: 2, max: 10_000, initial: () => 200 }],
    options: (shape, s) => ({ featureMask: gridMask(shape.height, shape.width, s.values.cell!), samples: s.values.samples, seed: 0 }),
    describe: (shape, s) => `${features(shape, s.values.cell!)} cells of ${s.values.cell} px set to 0 in ${s.values.samples} coalitions, seed 0`,
  },
  {
    id: 'lime',
    title: 'LIME',
    method: lime,
    signed: true,
    usesLayer: false,
    params: [cellParam, { key: 'samples', label: 'samples', min: 2, max: 10_000, initial: () => 200 }],
    options: (shape, s) => ({ featureMask: gridMask(shape.height, shape.width, s.values.cell!), samples: s.values.samples, seed: 0 }),
    describe: (shape, s) => `Lasso surrogate on ${features(shape, s.values.cell!)} cells of ${s.values.cell} px, ${s.values.samples} samples, seed 0`,
  },
  {
    id: 'shapley-sampling',
    title: 'Shapley sampling',
    method: shapleySampling,
    signed: true,
    usesLayer: false,
    params: [cellParam, { key: 'permutations', label: 'orders', min: 1, max: 1000, initial: () => 10 }],
    options: (shape, s) => ({ featureMask: gridMask(shape.height, shape.width, s.values.cell!), permutations: s.values.permutations, seed: 0 }),
    describe: (shape, s) => `${s.values.permutations} random orders of ${features(shape, s.values.cell!)} cells of ${s.values.cell} px, seed 0`,
  },
  backprop('guided-backprop', 'Guided Backprop', guidedBackprop, ['guided'], 'gradient with each ReLU passing only positive gradient through active units'),
  backprop('deconvnet', 'Deconvnet', deconvnet, ['deconvnet'], 'gradient with each ReLU passing only positive gradient, whatever its input'),
  deepLiftChoice,
  lrpChoice,
  {
    ...cam('guided-grad-cam', 'Guided Grad-CAM', guidedGradCam, 'Guided Backprop × the Grad-CAM map'),
    signed: true,
    backwardRules: ['guided'],
  },
];

export function methodChoice(id: string): MethodChoice {
  const choice = METHOD_CHOICES.find((c) => c.id === id);
  if (!choice) throw new RangeError(`Unknown method '${id}'; the playground offers ${METHOD_CHOICES.map((c) => c.id).join(', ')}.`);
  return choice;
}

/** The default settings of a method for an input of this shape. */
export function defaultSettings(choice: MethodChoice, shape: ImageShape): MethodSettings {
  const values = Object.fromEntries(choice.params.map((p) => [p.key, p.initial(shape)]));
  return choice.picks ? { values, picks: Object.fromEntries(choice.picks.map((p) => [p.key, p.initial])) } : { values };
}

/** Checks the numbers the user typed against the parameter's range; returns a message, or null when all are fine. */
export function settingsProblem(choice: MethodChoice, settings: MethodSettings): string | null {
  for (const p of choice.params) {
    const v = settings.values[p.key]!;
    if (!Number.isInteger(v) || v < p.min || v > p.max) return `${choice.title}: ${p.label} must be a whole number from ${p.min} to ${p.max}; got ${v}.`;
  }
  for (const p of choice.picks ?? []) {
    const v = settings.picks?.[p.key] ?? p.initial;
    if (!p.options.some((o) => o.value === v)) return `${choice.title}: ${p.label} must be one of ${p.options.map((o) => o.value).join(', ')}; got ${JSON.stringify(v)}.`;
  }
  return null;
}

/** Why a model cannot run a method (the backward rules or outputs it lacks), or null when it can. */
export function unavailableReason(choice: MethodChoice, model: Pick<Model, 'capabilities'> & Partial<Pick<Model, 'backwardRules' | 'runsFromLayers'>>): string | null {
  const rules = (choice.backwardRules ?? []).filter((r) => !model.backwardRules?.has(r));
  if (rules.length > 0) {
    // tfjs models apply the ReLU and rescale rules; LRP's need the ONNX gradient builder.
    const where = rules.some((r) => r.startsWith('lrp')) ? 'ONNX models only' : 'tfjs and ONNX models that declare it';
    return `this model cannot apply the ${rules.join(', ')} backward rule (${where})`;
  }
  if (choice.runsFromLayers && !model.runsFromLayers) return 'this model cannot run from given layer activations';
  const missing = choice.method.requires.filter((r) => !model.capabilities.has(r));
  return missing.length === 0 ? null : `this model gives no ${missing.join(', ')}`;
}
