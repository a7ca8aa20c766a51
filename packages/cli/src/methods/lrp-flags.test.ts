import { describe, expect, it } from 'vitest';
import type { Preprocessing } from '../inputs/preprocessing.js';
import { BACKPROP_FAMILY, parseLrpBound, parseLrpComposite, parseLrpGamma, parseLrpRules, withLrpBounds } from './backprop-family.js';

// The lrp flags as parsed and checked before anything runs: each bad value is a usage error (exit 2) that says what to write.
const usage = (f: () => unknown, message: string) => expect(f).toThrow(expect.objectContaining({ kind: 'usage', message: expect.stringContaining(message) }));

const preprocessing = (p: Partial<Preprocessing>): Preprocessing => ({ width: 8, height: 8, channels: 'rgb', layout: 'NCHW', range: [0, 1], mean: [0], std: [1], ...p });

describe('--lrp-composite', () => {
  it("takes each of Zennit's composites in kebab-case, or by Zennit's class name", () => {
    for (const name of ['epsilon-plus-flat', 'epsilon-gamma-box', 'epsilon-plus', 'epsilon-alpha2-beta1', 'epsilon-alpha2-beta1-flat'])
      expect(parseLrpComposite(name, '--lrp-composite')).toBe(name);
    expect(parseLrpComposite('EpsilonGammaBox', '--lrp-composite')).toBe('epsilon-gamma-box');
    expect(parseLrpComposite('epsilon_alpha2_beta1_flat', '--lrp-composite')).toBe('epsilon-alpha2-beta1-flat');
  });

  it('refuses other names, listing the composites and pointing to --lrp-rules', () => {
    usage(
      () => parseLrpComposite('gamma', '--lrp-composite'),
      "--lrp-composite must be one of epsilon-plus-flat, epsilon-gamma-box, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat; got 'gamma'. For other rules per layer type give --lrp-rules.",
    );
    usage(() => parseLrpComposite('epsilon-plus-flat-box', '--lrp-composite'), "got 'epsilon-plus-flat-box'");
  });
});

describe('--lrp-rules', () => {
  it('reads LAYER=RULE pairs into a layer map (conv short for convolution; left-out types stay out)', () => {
    expect(parseLrpRules('first=z-box,conv=gamma,dense=epsilon', '--lrp-rules')).toEqual({ first: 'z-box', convolution: 'gamma', dense: 'epsilon' });
    expect(parseLrpRules(' convolution = alpha1-beta0 , first=w-square', '--lrp-rules')).toEqual({ first: 'w-square', convolution: 'alpha1-beta0' });
    expect(parseLrpRules('dense=alpha2_beta1', '--lrp-rules')).toEqual({ dense: 'alpha2-beta1' });
    expect(parseLrpRules('FIRST=Flat,Dense=ZPlus', '--lrp-rules')).toEqual({ first: 'flat', dense: 'z-plus' });
  });

  it('refuses bad pairs, unknown layer types and rules, and a layer type named twice', () => {
    const form =
      'must be LAYER=RULE pairs separated by commas, LAYER one of first, conv, dense and RULE one of epsilon, gamma, alpha2-beta1, alpha1-beta0, z-plus, w-square, flat, z-box';
    usage(() => parseLrpRules('zbox', '--lrp-rules'), `--lrp-rules ${form}, e.g. first=z-box,conv=gamma,dense=epsilon; got 'zbox'.`);
    usage(() => parseLrpRules('pool=flat', '--lrp-rules'), "got 'pool=flat'");
    usage(() => parseLrpRules('first=z-box,', '--lrp-rules'), "got 'first=z-box,'");
    usage(() => parseLrpRules('conv=gama', '--lrp-rules'), "--lrp-rules: 'gama' is not a rule; use one of epsilon, gamma,");
    usage(() => parseLrpRules('conv=gamma,convolution=flat', '--lrp-rules'), '--lrp-rules names the convolution layers twice; give each layer type once');
  });
});

describe('--lrp-gamma, --lrp-low, --lrp-high', () => {
  it('reads a gamma >= 0 and bounds as one number or one per channel', () => {
    expect(parseLrpGamma('0.5', '--lrp-gamma')).toBe(0.5);
    usage(() => parseLrpGamma('-1', '--lrp-gamma'), "--lrp-gamma must be >= 0; got '-1'.");
    usage(() => parseLrpGamma('big', '--lrp-gamma'), "--lrp-gamma must be a number; got 'big'.");
    expect(parseLrpBound('-2.1', '--lrp-low')).toBe(-2.1);
    expect(parseLrpBound('-2.1,-2,-1.8', '--lrp-low')).toEqual([-2.1, -2, -1.8]);
    usage(() => parseLrpBound('0,,1', '--lrp-high'), "--lrp-high must be numbers separated by commas; got '0,,1'.");
    usage(() => parseLrpBound('one', '--lrp-high'), "--lrp-high must be a number; got 'one'.");
  });
});

describe('z-box bounds from the preprocessing', () => {
  it('are pixels 0 and 255 after --range, --mean and --std, per channel, and say where they came from', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const { flags, note } = withLrpBounds({ lrpComposite: 'epsilon-gamma-box' }, preprocessing({ mean, std, preset: 'imagenet' }));
    const low = flags.lrpLow as number[];
    const high = flags.lrpHigh as number[];
    for (let c = 0; c < 3; c++) {
      expect(low[c]).toBeCloseTo(-mean[c]! / std[c]!, 6);
      expect(high[c]).toBeCloseTo((1 - mean[c]!) / std[c]!, 6);
    }
    expect(flags.lrpBoundsFrom).toBe(
      'z-box low and high: pixels 0 and 255 after the preprocessing (the imagenet preset: range 0..1, mean 0.485,0.456,0.406, std 0.229,0.224,0.225)',
    );
    expect(note).toContain('--lrp-low -2.117904,-2.035714,-1.804444 --lrp-high 2.248908,2.428571,2.64');
  });

  it('are one number when every channel agrees (gray, --range); a bound the user gave is kept; a negative std swaps them', () => {
    const gray = withLrpBounds({ lrpRules: { first: 'z-box' } }, preprocessing({ channels: 'gray', range: [-1, 1] }));
    expect(gray.flags).toMatchObject({ lrpLow: -1, lrpHigh: 1 });
    expect(gray.flags.lrpBoundsFrom).toContain('(range -1..1)');
    const one = withLrpBounds({ lrpComposite: 'epsilon-gamma-box', lrpLow: -5 }, preprocessing({ mean: [0.5], std: [0.25] }));
    expect(one.flags).toMatchObject({ lrpLow: -5, lrpHigh: 2 });
    expect(one.flags.lrpBoundsFrom).toMatch(/^z-box high: /);
    const flipped = withLrpBounds({ lrpComposite: 'epsilon-gamma-box' }, preprocessing({ std: [-0.5] }));
    expect(flipped.flags).toMatchObject({ lrpLow: -2, lrpHigh: 0 });
  });

  it('are left alone without a z-box rule, with both bounds given, or for a .npy input (no preprocessing)', () => {
    const p = preprocessing({ mean: [0.5] });
    for (const flags of [
      {},
      { lrpComposite: 'epsilon-plus-flat' as const },
      { lrpRules: { convolution: 'gamma' as const } },
      { lrpComposite: 'epsilon-gamma-box' as const, lrpLow: 0, lrpHigh: 1 },
    ]) {
      expect(withLrpBounds(flags, p)).toEqual({ flags });
    }
    expect(withLrpBounds({ lrpComposite: 'epsilon-gamma-box' }, null)).toEqual({ flags: { lrpComposite: 'epsilon-gamma-box' } });
  });
});

describe('lrp options from the flags', () => {
  const configure = BACKPROP_FAMILY.lrp.configure;

  it("passes the composite or layer map and its rules' parameters to the library", () => {
    expect(configure({}).options).toEqual({});
    expect(configure({ lrpEpsilon: 0.01 }).options).toEqual({ epsilon: 0.01 });
    const box = configure({ lrpComposite: 'epsilon-gamma-box', lrpGamma: 0.5, lrpEpsilon: 0.1, lrpLow: [0, -1], lrpHigh: 1 });
    expect(box.options).toEqual({ composite: 'epsilon-gamma-box', gamma: 0.5, epsilon: 0.1, low: [0, -1], high: 1 });
    expect(box.description).toBe("layer-wise relevance propagation with Zennit's EpsilonGammaBox composite");
    const map = configure({ lrpRules: { first: 'w-square', convolution: 'gamma' }, lrpGamma: 1 });
    expect(map.options).toEqual({ composite: { first: 'w-square', convolution: 'gamma' }, gamma: 1 });
    expect(map.description).toBe(
      "layer-wise relevance propagation with Zennit's rules per layer type: w-square on the first layer, gamma on convolutions, epsilon on dense layers",
    );
  });

  it('names the flag that does not fit the rules chosen', () => {
    usage(() => configure({ lrpComposite: 'epsilon-plus', lrpRules: { dense: 'gamma' } }), 'Give --lrp-composite or --lrp-rules, not both');
    usage(() => configure({ lrpGamma: 0.5 }), '--lrp-gamma set parameters of LRP rules per layer type: give --lrp-composite or --lrp-rules too');
    usage(() => configure({ lrpComposite: 'epsilon-plus-flat', lrpGamma: 0.5 }), "--lrp-gamma is the gamma rule's, and --lrp-composite epsilon-plus-flat has no gamma rule");
    usage(
      () => configure({ lrpRules: { convolution: 'gamma', dense: 'z-plus' }, lrpEpsilon: 0.1 }),
      "--lrp-epsilon is the epsilon rule's, and --lrp-rules convolution=gamma,dense=z-plus has no epsilon rule",
    );
    usage(
      () => configure({ lrpComposite: 'epsilon-plus', lrpLow: 0, lrpHigh: 1 }),
      "--lrp-low and --lrp-high are the z-box rule's input bounds, and --lrp-composite epsilon-plus has no z-box rule",
    );
    usage(
      () => configure({ lrpComposite: 'epsilon-gamma-box', lrpHigh: 1 }),
      "--lrp-composite epsilon-gamma-box has the z-box rule, which needs the input's bounds: give --lrp-low (the lowest",
    );
    usage(() => configure({ lrpRules: { first: 'z-box' } }), 'give --lrp-low and --lrp-high');
    usage(() => configure({ lrpComposite: 'epsilon-gamma-box', lrpLow: [0, 2], lrpHigh: 1 }), '--lrp-low must not exceed --lrp-high; channel 1 has 2 > 1.');
  });
});
