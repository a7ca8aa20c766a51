import { type BackwardRuleKind, LRP_COMPOSITES, LRP_RULES, type LrpComposite, type LrpCompositeName, type LrpRule, type Method, type Model } from '@salience/core';
import { checkLrpComposite, deconvnet, deepLift, guidedBackprop, guidedGradCam, type LrpBound, lrp } from '@salience/modified-backprop';
import { usageError } from '../cli-error.js';
import { channelCount, type Preprocessing } from '../inputs/preprocessing.js';
import type { BaselineFlag, MethodFlags, MethodSpec } from './methods.js';
import { parseNumber, parseNumberList } from './option-values.js';

/**
 * Modified backpropagation of @salience/modified-backprop. ONNX models apply every rule (we build
 * their backward graph); tfjs models the ReLU and rescale rules, not LRP's. Without --model the
 * command loads the built-in ONNX model, which applies them all.
 */

/** The backward rules each method needs from `model.backwardRules`. */
export const BACKWARD_RULES = {
  'guided-backprop': ['guided'],
  deconvnet: ['deconvnet'],
  'deep-lift': ['rescale'],
  lrp: ['lrp-epsilon'],
  'guided-gradcam': ['guided'],
} as const satisfies Record<string, readonly BackwardRuleKind[]>;

export type BackpropMethodName = keyof typeof BACKWARD_RULES;

/** Zennit's composites by their kebab-case names (core's LRP_COMPOSITES), as --lrp-composite takes them. */
export const LRP_COMPOSITE_NAMES: readonly LrpCompositeName[] = LRP_COMPOSITES;

/** A layer map of LRP rules, as --lrp-rules gives it. */
export type LrpLayerMap = Exclude<LrpComposite, string>;

/** --lrp-rules keys: the layer types of a layer map, with `conv` short for `convolution`. */
const LAYER_KEYS: Readonly<Record<string, keyof LrpLayerMap>> = { first: 'first', conv: 'convolution', convolution: 'convolution', dense: 'dense' };

const squash = (text: string) => text.toLowerCase().replace(/[-_\s]/g, '');

/** A Zennit composite: the kebab-case name, or Zennit's class name (EpsilonGammaBox) in any case. */
export function parseLrpComposite(text: string, flag: string): LrpCompositeName {
  const found = LRP_COMPOSITE_NAMES.find((name) => squash(name) === squash(text));
  if (!found) throw usageError(`${flag} must be one of ${LRP_COMPOSITE_NAMES.join(', ')}; got '${text}'. For other rules per layer type give --lrp-rules.`);
  return found;
}

/** --lrp-rules 'first=z-box,conv=gamma,dense=epsilon': a rule per layer type (left-out types: epsilon), as --limit's KIND=N. */
export function parseLrpRules(text: string, flag: string): LrpLayerMap {
  const form = `LAYER=RULE pairs separated by commas, LAYER one of first, conv, dense and RULE one of ${LRP_RULES.join(', ')}, e.g. first=z-box,conv=gamma,dense=epsilon`;
  const map: Partial<Record<keyof LrpLayerMap, LrpRule>> = {};
  const pairs = text.split(',').map((p) => p.trim());
  if (pairs.some((p) => p === '')) throw usageError(`${flag} must be ${form}; got '${text}'.`);
  for (const pair of pairs) {
    const match = /^([a-z]+)\s*=\s*(\S+)$/i.exec(pair);
    const layer = match ? LAYER_KEYS[match[1]!.toLowerCase()] : undefined;
    if (!match || !layer) throw usageError(`${flag} must be ${form}; got '${text}'.`);
    const rule = LRP_RULES.find((r) => squash(r) === squash(match[2]!));
    if (!rule) throw usageError(`${flag}: '${match[2]}' is not a rule; use one of ${LRP_RULES.join(', ')} (got '${text}').`);
    if (map[layer] !== undefined) throw usageError(`${flag} names the ${layer} layers twice; give each layer type once (got '${text}').`);
    map[layer] = rule;
  }
  return map;
}

export function parseLrpEpsilon(text: string, flag: string): number {
  const value = parseNumber(text, flag);
  if (value < 0) throw usageError(`${flag} must be >= 0; got '${text}'.`);
  return value;
}

/** --lrp-gamma: the gamma rule's gamma, >= 0. */
export function parseLrpGamma(text: string, flag: string): number {
  return parseLrpEpsilon(text, flag);
}

/** --lrp-low / --lrp-high: one number for every channel, or one per input channel (comma-separated). */
export function parseLrpBound(text: string, flag: string): LrpBound {
  const values = parseNumberList(text, flag);
  return (values.length === 1 ? values[0] : values)!;
}

/**
 * The rules a composite uses, from the library's own check (no copy of Zennit's tables here). A
 * composite with the z-box rule asks for bounds, so it is checked with placeholders then.
 */
function compositeRules(composite: LrpComposite): readonly LrpRule[] {
  try {
    return checkLrpComposite(composite, {}, 1).rules;
  } catch {
    return checkLrpComposite(composite, { low: 0, high: 0 }, 1).rules;
  }
}

/** Whether the composite or layer map the flags choose has the z-box rule (whose input bounds the command may derive). */
export function lrpNeedsBounds(flags: MethodFlags): boolean {
  const composite = flags.lrpRules ?? flags.lrpComposite;
  return composite !== undefined && compositeRules(composite).includes('z-box');
}

const round = (v: number) => Number(v.toPrecision(7));

/**
 * Z-box bounds the user did not give, from the CLI's own preprocessing: the values pixel 0 and
 * pixel 255 take after --range, --mean and --std, per fed channel. A .npy input has no
 * preprocessing to go by: its bounds stay unset and `configure` asks for them.
 */
export function withLrpBounds(flags: MethodFlags, preprocessing: Preprocessing | null): { flags: MethodFlags; note?: string } {
  if (!lrpNeedsBounds(flags) || (flags.lrpLow !== undefined && flags.lrpHigh !== undefined) || preprocessing === null) return { flags };
  const channels = channelCount(preprocessing.channels);
  const at = (values: readonly number[], c: number) => values[values.length === 1 ? 0 : c];
  const lows: number[] = [];
  const highs: number[] = [];
  for (let c = 0; c < channels; c++) {
    const [a, b] = preprocessing.range.map((v) => (v - at(preprocessing.mean, c)!) / at(preprocessing.std, c)!) as [number, number];
    lows.push(round(Math.min(a, b)));
    highs.push(round(Math.max(a, b)));
  }
  const bound = (values: number[]): LrpBound => (values.every((v) => v === values[0]) ? values[0]! : values);
  const [lo, hi] = preprocessing.range;
  const normalised = preprocessing.mean.some((m) => m !== 0) || preprocessing.std.some((s) => s !== 1);
  const steps = `${preprocessing.preset ? `the ${preprocessing.preset} preset: ` : ''}range ${lo}..${hi}${normalised ? `, mean ${preprocessing.mean.join(',')}, std ${preprocessing.std.join(',')}` : ''}`;
  const given = flags.lrpLow !== undefined ? 'high' : flags.lrpHigh !== undefined ? 'low' : 'low and high';
  const from = `z-box ${given}: pixels 0 and 255 after the preprocessing (${steps})`;
  const low = flags.lrpLow ?? bound(lows);
  const high = flags.lrpHigh ?? bound(highs);
  const show = (b: LrpBound) => (typeof b === 'number' ? String(b) : b.join(','));
  return {
    flags: { ...flags, lrpLow: low, lrpHigh: high, lrpBoundsFrom: from },
    note: `lrp: ${from}: --lrp-low ${show(low)} --lrp-high ${show(high)}; give --lrp-low and --lrp-high for other bounds.`,
  };
}

/** Zennit's class name of a composite: epsilon-gamma-box -> EpsilonGammaBox. */
function zennitName(name: LrpCompositeName): string {
  return name
    .split('-')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const LAYER_WORDS: Readonly<Record<keyof LrpLayerMap, string>> = { first: 'the first layer', convolution: 'convolutions', dense: 'dense layers' };

/** The lrp options from the flags, each misfit named by its flag before anything runs. */
function lrpOptions(flags: MethodFlags): { options: Record<string, unknown>; description: string; boundsFrom?: string } {
  const { lrpComposite, lrpRules, lrpEpsilon, lrpGamma, lrpLow, lrpHigh } = flags;
  if (lrpComposite !== undefined && lrpRules !== undefined) throw usageError('Give --lrp-composite or --lrp-rules, not both: a composite is a fixed set of rules per layer type.');
  const composite: LrpComposite | undefined = lrpRules ?? lrpComposite;
  if (composite === undefined) {
    const given = [lrpGamma !== undefined && '--lrp-gamma', lrpLow !== undefined && '--lrp-low', lrpHigh !== undefined && '--lrp-high'].filter(Boolean);
    if (given.length > 0)
      throw usageError(`${given.join(', ')} set parameters of LRP rules per layer type: give --lrp-composite or --lrp-rules too (without, lrp is Captum's epsilon rule).`);
    return { options: defined({ epsilon: lrpEpsilon }), description: 'layer-wise relevance propagation with the epsilon rule (Captum)' };
  }
  const chosen =
    lrpRules !== undefined
      ? `--lrp-rules ${
          Object.entries(lrpRules)
            .map(([k, r]) => `${k}=${r}`)
            .join(',') || '(epsilon everywhere)'
        }`
      : `--lrp-composite ${lrpComposite}`;
  const rules = compositeRules(composite);
  if (lrpEpsilon !== undefined && !rules.includes('epsilon')) throw usageError(`--lrp-epsilon is the epsilon rule's, and ${chosen} has no epsilon rule: leave it out.`);
  if (lrpGamma !== undefined && !rules.includes('gamma'))
    throw usageError(`--lrp-gamma is the gamma rule's, and ${chosen} has no gamma rule: leave it out, or give a gamma rule (e.g. --lrp-rules conv=gamma).`);
  if (rules.includes('z-box')) {
    const missing = [lrpLow === undefined && '--lrp-low', lrpHigh === undefined && '--lrp-high'].filter(Boolean);
    if (missing.length > 0) {
      throw usageError(
        `${chosen} has the z-box rule, which needs the input's bounds: give ${missing.join(' and ')} (the lowest and highest value an input can take, a number or one per channel, e.g. --lrp-low 0 --lrp-high 1). ` +
          'For image inputs they are derived from the preprocessing; a .npy input has none to go by.',
      );
    }
    const [low, high] = [lrpLow, lrpHigh].map((b) => (typeof b === 'number' ? [b] : (b as readonly number[])));
    if (low!.length === high!.length || low!.length === 1 || high!.length === 1) {
      for (let c = 0; c < Math.max(low!.length, high!.length); c++) {
        const [l, h] = [low![low!.length === 1 ? 0 : c], high![high!.length === 1 ? 0 : c]];
        if (l! > h!) throw usageError(`--lrp-low must not exceed --lrp-high; channel ${c} has ${l} > ${h}.`);
      }
    }
  } else if (lrpLow !== undefined || lrpHigh !== undefined) {
    throw usageError(`--lrp-low and --lrp-high are the z-box rule's input bounds, and ${chosen} has no z-box rule: leave them out, or give one (e.g. --lrp-rules first=z-box).`);
  }
  const description =
    lrpRules !== undefined
      ? `layer-wise relevance propagation with Zennit's rules per layer type: ${(['first', 'convolution', 'dense'] as const)
          .filter((k) => k !== 'first' || lrpRules.first !== undefined)
          .map((k) => `${lrpRules[k] ?? 'epsilon'} on ${LAYER_WORDS[k]}`)
          .join(', ')}`
      : `layer-wise relevance propagation with Zennit's ${zennitName(lrpComposite as LrpCompositeName)} composite`;
  return { options: defined({ composite, epsilon: lrpEpsilon, gamma: lrpGamma, low: lrpLow, high: lrpHigh }), description, boundsFrom: flags.lrpBoundsFrom };
}

/** lrp whose result also says where bounds the user did not give came from (a chip in the report). */
function lrpNoting(boundsFrom: string): Method<object> {
  return {
    ...(lrp as Method<object>),
    async attribute(model, input, options) {
      const result = await lrp.attribute(model, input, options);
      return { ...result, meta: { ...result.meta, bounds: boundsFrom } };
    },
  };
}

/** Signed maps, drawn diverging as integrated gradients are. */
const SIGNED = { sign: 'all', opacity: 0.8 } as const;

function defined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function deepLiftBaseline(flag: BaselineFlag | undefined): number | object | undefined {
  if (flag === 'blur' || flag === 'mean' || flag === 'uniform') {
    throw usageError(`--baseline ${flag} applies to ig or occlusion; deep-lift takes zero, a number or a .npy file (one row, or one per example).`);
  }
  return flag === 'zero' ? 0 : flag;
}

/** Says, before the run, why a model without the rules cannot be explained (a tfjs model, say). */
function rulesUnfit(name: BackpropMethodName, kinds: readonly BackwardRuleKind[]) {
  return (model: Model): string | undefined => {
    const missing = kinds.filter((k) => !model.backwardRules?.has(k));
    if (missing.length === 0) return undefined;
    return missing.some((k) => k.startsWith('lrp'))
      ? `${name} replaces backward rules (${missing.join(', ')}) that only an ONNX model applies; give --model file.onnx`
      : `${name} replaces backward rules (${missing.join(', ')}) that this model does not apply; give a tfjs or ONNX --model that does`;
  };
}

function spec(
  name: BackpropMethodName,
  title: string,
  flags: MethodSpec['flags'],
  requires: MethodSpec['requires'],
  configure: MethodSpec['configure'],
  rules: readonly BackwardRuleKind[] = BACKWARD_RULES[name],
): MethodSpec {
  return { name, title, flags, requires, needsBackwardRules: rules, unfit: rulesUnfit(name, rules), configure };
}

export const BACKPROP_FAMILY = {
  'guided-backprop': spec('guided-backprop', 'Guided Backprop', [], ['inputGradients'], () => ({
    method: guidedBackprop as Method<object>,
    options: {},
    display: SIGNED,
    description: 'gradient with each ReLU passing only positive gradient through active units',
  })),
  deconvnet: spec('deconvnet', 'Deconvnet', [], ['inputGradients'], () => ({
    method: deconvnet as Method<object>,
    options: {},
    display: SIGNED,
    description: 'gradient with each ReLU passing only positive gradient, whatever its input',
  })),
  'deep-lift': spec('deep-lift', 'DeepLIFT', ['baseline'], ['inputGradients'], (flags: MethodFlags) => ({
    method: deepLift as Method<object>,
    options: defined({ baseline: deepLiftBaseline(flags.baseline) }),
    display: SIGNED,
    description: '(input - baseline) x multipliers of the rescale rule (DeepLIFT)',
  })),
  lrp: spec('lrp', 'LRP', ['lrpEpsilon', 'lrpComposite', 'lrpRules', 'lrpGamma', 'lrpLow', 'lrpHigh'], ['inputGradients'], (flags: MethodFlags) => {
    const { options, description, boundsFrom } = lrpOptions(flags);
    return { method: boundsFrom ? lrpNoting(boundsFrom) : (lrp as Method<object>), options, display: SIGNED, description };
  }),
  'guided-gradcam': spec('guided-gradcam', 'Guided Grad-CAM', ['layer', 'upsample'], ['inputGradients', 'layerActivations', 'layerGradients'], (flags: MethodFlags) => {
    if (flags.upsample === 'none') throw usageError('--upsample none does not apply to guided-gradcam: its map is at the input size; give bilinear or nearest.');
    return {
      method: guidedGradCam as Method<object>,
      options: defined({ layer: flags.layer, upsample: flags.upsample }),
      display: SIGNED,
      description: 'Guided Backprop times the Grad-CAM map at the layer',
    };
  }),
} as const satisfies Record<BackpropMethodName, MethodSpec>;
