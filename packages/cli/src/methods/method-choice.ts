import { GRADIENT_OUTPUTS, type Model } from '@salience/core';
import { CliError } from '../cli-error.js';
import type { LoadedModel } from '../models/loaded-model.js';
import { METHOD_NAMES, METHODS, type MethodFlag, type MethodFlags, type MethodName, type MethodSpec } from './methods.js';

export function flagName(flag: MethodFlag): string {
  if (flag === 'relu') return 'no-relu';
  // camelCase to the flag's kebab-case (tokenGrid -> token-grid, lrpEpsilon -> lrp-epsilon).
  return flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The methods to run: those named, else `defaults`. A method flag that none of them reads is a
 * usage error (it would silently do nothing).
 */
export function chooseMethods(
  requested: readonly MethodName[] | undefined,
  flags: MethodFlags | undefined,
  options: { readonly baselineFile?: string; readonly defaults: readonly MethodName[] },
): MethodSpec[] {
  const names = requested && requested.length > 0 ? [...new Set(requested)] : options.defaults;
  const specs = names.map((n) => METHODS[n]);
  const given = Object.entries(flags ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k as MethodFlag);
  if (options.baselineFile !== undefined) given.push('baseline');
  for (const flag of given) {
    if (!specs.some((s) => s.flags.includes(flag))) {
      const users = METHOD_NAMES.filter((n) => METHODS[n].flags.includes(flag));
      throw new CliError('usage', `--${flagName(flag)} applies to ${users.join(', ')}, and no such method is chosen (--method ${names.join(',')}).`);
    }
  }
  return specs;
}

/**
 * Why `spec` should be skipped on this model, checked before it runs. Only methods chosen by
 * default are skipped; a method named explicitly runs and fails with its own error, except that
 * the loader's reason for missing gradients (an ONNX op without a rule) is thrown at once.
 */
export function methodSkipReason(spec: MethodSpec, loaded: LoadedModel, model: Model, explicit: boolean): string | undefined {
  // Modified backpropagation on a model that cannot apply the rules (tfjs): a usage error, named at once.
  const noRules = spec.needsBackwardRules && spec.unfit?.(model);
  if (explicit && noRules) throw new CliError('usage', `${noRules}.`);
  const unfit = explicit ? undefined : spec.unfit?.(model);
  if (unfit) return unfit;
  const missing = spec.requires.filter((output) => !model.capabilities.has(output));
  if (missing.length === 0) return undefined;
  // The loader may know why (an ONNX op without a gradient rule): that beats a bare missing capability.
  const why = missing.some((m) => GRADIENT_OUTPUTS.includes(m)) ? loaded.gradientError : undefined;
  if (explicit && why) throw why;
  if (explicit) return undefined;
  return why ? why.message : `the model does not provide ${missing.join(', ')}`;
}
