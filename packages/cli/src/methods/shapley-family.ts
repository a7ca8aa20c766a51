import type { Method } from '@salience/core';
import { kernelShap, lime, shapleySampling } from '@salience/shapley';
import { usageError } from '../cli-error.js';
import { type FeatureMaskChoice, withFeatureMask } from './feature-mask-method.js';
import type { BaselineFlag, MethodFlags, MethodSpec } from './methods.js';

/** KernelSHAP, LIME and Shapley value sampling of @salience/shapley over a grid or superpixel mask. */

function shapleyBaseline(flag: BaselineFlag | undefined): number | object | undefined {
  if (flag === 'blur' || flag === 'mean' || flag === 'uniform') {
    throw usageError(`--baseline ${flag} applies to ig or occlusion; kernel-shap, lime and shapley-sampling take zero, a number or a .npy file.`);
  }
  return flag === 'zero' ? 0 : flag;
}

function maskChoice(flags: MethodFlags): FeatureMaskChoice {
  if (flags.grid !== undefined && flags.superpixels !== undefined) throw usageError('Give --grid or --superpixels, not both: they are two ways to group the pixels into features.');
  return flags.superpixels !== undefined ? { kind: 'superpixels', segments: flags.superpixels } : { kind: 'grid', cell: flags.grid };
}

function defined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function maskText(choice: FeatureMaskChoice): string {
  return choice.kind === 'superpixels'
    ? `about ${choice.segments} SLIC superpixels`
    : choice.cell !== undefined
      ? `${choice.cell}-pixel grid cells`
      : 'grid cells of 1/8 of the shorter side';
}

function shapleySpec(name: MethodSpec['name'], title: string, method: Method<object>, samplesOption: 'samples' | 'permutations', description: string): MethodSpec {
  return {
    name,
    title,
    flags: ['grid', 'superpixels', 'samples', 'baseline'],
    requires: ['logits'],
    configure(flags) {
      const choice = maskChoice(flags);
      return {
        method: withFeatureMask(method, choice),
        options: defined({ [samplesOption]: flags.samples, baseline: shapleyBaseline(flags.baseline) }),
        display: { sign: 'all', opacity: 0.8 },
        description: `${description}; features: ${maskText(choice)}`,
      };
    },
  };
}

export const SHAPLEY_FAMILY = {
  'kernel-shap': shapleySpec('kernel-shap', 'KernelSHAP', kernelShap as Method<object>, 'samples', 'Shapley values from a weighted linear fit to random coalitions of features'),
  lime: shapleySpec('lime', 'LIME', lime as Method<object>, 'samples', 'a sparse linear surrogate fitted to random perturbations, weighted by closeness'),
  'shapley-sampling': shapleySpec(
    'shapley-sampling',
    'Shapley value sampling',
    shapleySampling as Method<object>,
    'permutations',
    'mean marginal contribution of each feature over random orders (--samples orders)',
  ),
} as const satisfies Record<string, MethodSpec>;
