import { describe, expect, it } from 'vitest';
import { CapabilityError, OptionError, ShapeError } from './errors.js';
import type { BackwardRuleKind, ModelRequest, OutputName } from './model.js';
import { type ModelFacts, planRequest } from './request-plan.js';
import { tensor } from './tensor.js';

const facts = (rules?: BackwardRuleKind[]): ModelFacts => ({
  layout: 'NC',
  inputShape: [null, 3],
  capabilities: new Set<OutputName>(['logits', 'inputGradients']),
  classes: 4,
  backwardRules: rules ? new Set(rules) : undefined,
});
const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const ask = (f: ModelFacts, backward: unknown, more: Partial<ModelRequest> = {}) =>
  planRequest(f, { input: x, outputs: ['inputGradients'], target: 1, backward, ...more } as ModelRequest);

describe('request.backward (modified backward rules)', () => {
  it('passes when the model declares the rules asked for', () => {
    expect(ask(facts(['guided', 'rescale']), { relu: 'guided' }).gradients).toBe(true);
    expect(ask(facts(['rescale']), { rescale: true }).rows).toBe(2);
    expect(ask(facts(['lrp-epsilon']), { lrp: { epsilon: 0.01 } }).rows).toBe(2);
    expect(ask(facts(['lrp-epsilon-gamma-box']), { lrp: { composite: 'epsilon-gamma-box', gamma: 0.5, low: 0, high: [1, 1, 1] } }).rows).toBe(2);
    expect(ask(facts(['lrp-layer-map']), { lrp: { composite: { first: 'w-square', convolution: 'alpha1-beta0' } } }).rows).toBe(2);
  });

  it('refuses rules the model does not declare, with a CapabilityError naming them', () => {
    expect(() => ask(facts(), { relu: 'deconvnet' })).toThrowError(CapabilityError);
    expect(() => ask(facts(['guided']), { relu: 'deconvnet' })).toThrowError(/backward rule deconvnet \(it applies: guided\)/);
  });

  it('refuses malformed rules, rules without a gradient output, and an odd batch for rescale', () => {
    const all = facts(['guided', 'deconvnet', 'rescale']);
    expect(() => ask(all, { relu: 'zero' })).toThrowError(OptionError);
    expect(() => ask(all, { deconv: 'epsilon' })).toThrowError(/not a backward rule/);
    expect(() => ask(all, { relu: 'guided', rescale: true })).toThrowError(/choose one/);
    const lrp = facts(['guided', 'lrp-epsilon']);
    expect(() => ask(lrp, { lrp: { epsilon: -1 } })).toThrowError(OptionError);
    expect(() => ask(lrp, { lrp: { gamma: 0.25 } })).toThrowError(/give composite too/);
    expect(() => ask(lrp, { lrp: { delta: 0.25 } })).toThrowError(/epsilon/);
    expect(() => ask(lrp, { lrp: { composite: 'epsilon-gamma-box' } })).toThrowError(/lrp-epsilon-gamma-box/);
    expect(() => ask(lrp, { lrp: { composite: 'gamma-box' } })).toThrowError(/composite must be one of/);
    expect(() => ask(lrp, { lrp: { composite: { first: 'z-box', dense: 'beta' } } })).toThrowError(/layer map/);
    expect(() => ask(lrp, { lrp: { composite: { convolution: 'gamma' } } })).toThrowError(/lrp-layer-map/);
    expect(() => ask(lrp, { lrp: { composite: 'epsilon-plus-flat' } })).toThrowError(/lrp-epsilon-plus-flat/);
    expect(() => ask(lrp, { lrp: {}, relu: 'guided' })).toThrowError(/alone/);
    expect(() => ask(all, { relu: 'guided' }, { outputs: ['logits'] })).toThrowError(/gradient output/);
    expect(() => ask(all, { rescale: true }, { input: tensor([1, 2, 3], [1, 3]) })).toThrowError(ShapeError);
  });
});
