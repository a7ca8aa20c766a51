import { type BackwardRuleKind, LRP_COMPOSITES, LRP_RULES, type LrpComposite, type LrpCompositeName, type LrpRule, OptionError } from '@salience/core';

/** The rules each of Zennit's named composites puts on the first layer, convolutions and dense layers. */
const COMPOSITE_RULES: Readonly<Record<LrpCompositeName, readonly LrpRule[]>> = {
  'epsilon-plus-flat': ['flat', 'z-plus', 'epsilon'],
  'epsilon-gamma-box': ['z-box', 'gamma', 'epsilon'],
  'epsilon-plus': ['z-plus', 'epsilon'],
  'epsilon-alpha2-beta1': ['alpha2-beta1', 'epsilon'],
  'epsilon-alpha2-beta1-flat': ['flat', 'alpha2-beta1', 'epsilon'],
};

const LAYER_TYPES = ['first', 'convolution', 'dense'] as const;

/** A z-box bound: one value, or one per input channel. */
export type LrpBound = number | readonly number[];

/** What an LRP composite takes besides its name. */
export interface LrpCompositeParameters {
  readonly epsilon?: number;
  readonly gamma?: number;
  readonly low?: LrpBound;
  readonly high?: LrpBound;
}

/**
 * Checks a composite (a Zennit name or a layer map) and its parameters, and returns the rules it
 * uses and the backward-rule kind the model must declare. `channels`: the input's channel count,
 * which per-channel z-box bounds must match.
 */
export function checkLrpComposite(composite: unknown, parameters: LrpCompositeParameters, channels: number): { rules: readonly LrpRule[]; kind: BackwardRuleKind } {
  const known = `one of ${LRP_COMPOSITES.join(', ')} or a layer map { first?, convolution?, dense? } of the rules ${LRP_RULES.join(', ')}`;
  let rules: readonly LrpRule[];
  let kind: BackwardRuleKind;
  if (typeof composite === 'string' && (LRP_COMPOSITES as readonly string[]).includes(composite)) {
    rules = COMPOSITE_RULES[composite as LrpCompositeName];
    kind = `lrp-${composite as LrpCompositeName}`;
  } else if (typeof composite === 'object' && composite !== null && !Array.isArray(composite)) {
    for (const [key, rule] of Object.entries(composite)) {
      if (!(LAYER_TYPES as readonly string[]).includes(key)) throw new OptionError(`composite.${key} is not a layer type; a layer map has ${LAYER_TYPES.join(', ')}.`);
      if (!(LRP_RULES as readonly unknown[]).includes(rule)) throw new OptionError(`composite.${key} must be one of ${LRP_RULES.join(', ')}; got ${JSON.stringify(rule)}.`);
    }
    const map = composite as Exclude<LrpComposite, string>;
    // Layer types a map leaves out get the epsilon rule.
    rules = [...(map.first ? [map.first] : []), map.convolution ?? 'epsilon', map.dense ?? 'epsilon'];
    kind = 'lrp-layer-map';
  } else throw new OptionError(`composite must be ${known}; got ${JSON.stringify(composite)}.`);
  const { epsilon, gamma, low, high } = parameters;
  if (epsilon !== undefined && !rules.includes('epsilon')) throw new OptionError("epsilon is the epsilon rule's, and this composite has no epsilon rule: leave it out.");
  if (gamma !== undefined) {
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) throw new OptionError(`gamma must be a number >= 0; got ${JSON.stringify(gamma)}.`);
    if (!rules.includes('gamma')) throw new OptionError("gamma is the gamma rule's, and this composite has no gamma rule: leave it out.");
  }
  if (!rules.includes('z-box')) {
    if (low !== undefined || high !== undefined) throw new OptionError("low and high are the z-box rule's bounds, and this composite has no z-box rule: leave them out.");
  } else {
    const lows = boundValues(low, 'low', channels);
    const highs = boundValues(high, 'high', channels);
    const at = (v: number[], i: number) => v[v.length === 1 ? 0 : i];
    for (let i = 0; i < Math.max(lows.length, highs.length); i++) {
      if (at(lows, i)! > at(highs, i)!) throw new OptionError(`low must not exceed high; channel ${i} has low ${at(lows, i)} > high ${at(highs, i)}.`);
    }
  }
  return { rules, kind };
}

function boundValues(bound: unknown, name: string, channels: number): number[] {
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (bound === undefined) {
    throw new OptionError(
      `The z-box rule needs ${name}: the ${name === 'low' ? 'lowest' : 'highest'} value an input can take (a number, or one per channel), e.g. ${name === 'low' ? 0 : 1} for pixels in [0, 1].`,
    );
  }
  if (finite(bound)) return [bound as number];
  if (Array.isArray(bound) && bound.length === channels && bound.every(finite)) return [...bound];
  throw new OptionError(`${name} must be a finite number or ${channels} of them (one per input channel); got ${JSON.stringify(bound)}.`);
}
