import type { BackwardRuleKind, Method, Model } from '@salience/core';
import { deconvnet, deepLift, guidedBackprop, guidedGradCam, lrp } from '@salience/modified-backprop';
import { usageError } from '../cli-error.js';
import type { BaselineFlag, MethodFlags, MethodSpec } from './methods.js';
import { parseNumber } from './option-values.js';

/**
 * Modified backpropagation of @salience/modified-backprop. Only models that build their own
 * backward graph (ONNX) apply the rules; without --model the command loads the built-in ONNX model.
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

export const LRP_COMPOSITES = ['epsilon-plus-flat'] as const;

export function parseLrpEpsilon(text: string, flag: string): number {
  const value = parseNumber(text, flag);
  if (value < 0) throw usageError(`${flag} must be >= 0; got '${text}'.`);
  return value;
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
    return missing.length === 0 ? undefined : `${name} replaces backward rules (${missing.join(', ')}) that only an ONNX model applies; give --model file.onnx`;
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
  lrp: spec('lrp', 'LRP', ['lrpEpsilon', 'lrpComposite'], ['inputGradients'], (flags: MethodFlags) => {
    if (flags.lrpComposite !== undefined && flags.lrpEpsilon !== undefined) {
      throw usageError('Give --lrp-epsilon or --lrp-composite, not both: the epsilon-plus-flat composite fixes its own epsilon (1e-6).');
    }
    return {
      method: lrp as Method<object>,
      options: defined({ epsilon: flags.lrpEpsilon, composite: flags.lrpComposite }),
      display: SIGNED,
      description: flags.lrpComposite
        ? "layer-wise relevance propagation with Zennit's EpsilonPlusFlat composite"
        : 'layer-wise relevance propagation with the epsilon rule (Captum)',
    };
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
