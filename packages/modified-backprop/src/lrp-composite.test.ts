import { type Model, OptionError } from '@salience/core';
import { fromOnnx } from '@salience/onnx';
import { spyModel } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadBackpropFixture } from '../test/fixtures.js';
import { lrp } from './lrp.js';
import { checkLrpComposite } from './lrp-composite.js';

describe('checkLrpComposite', () => {
  it("gives the rules of Zennit's named composites and of layer maps, and the backward-rule kind the model must declare", () => {
    expect(checkLrpComposite('epsilon-gamma-box', { low: 0, high: 1 }, 3)).toEqual({ rules: ['z-box', 'gamma', 'epsilon'], kind: 'lrp-epsilon-gamma-box' });
    expect(checkLrpComposite('epsilon-alpha2-beta1', {}, 3)).toEqual({ rules: ['alpha2-beta1', 'epsilon'], kind: 'lrp-epsilon-alpha2-beta1' });
    expect(checkLrpComposite({ first: 'w-square', convolution: 'alpha1-beta0' }, { epsilon: 0.01 }, 3)).toEqual({
      rules: ['w-square', 'alpha1-beta0', 'epsilon'],
      kind: 'lrp-layer-map',
    });
    expect(checkLrpComposite({ first: 'z-box' }, { low: [0, 0, -1], high: [1, 1, 1] }, 3).kind).toBe('lrp-layer-map');
  });

  it('refuses unknown composites, rules and layer types, and parameters of rules the composite lacks, saying what to give', () => {
    const refuse = (composite: unknown, parameters: object, message: RegExp) => expect(() => checkLrpComposite(composite, parameters, 3)).toThrowError(message);
    refuse('gamma-box', {}, /composite must be one of epsilon-plus-flat, epsilon-gamma-box/);
    refuse({ dense: 'beta' }, {}, /composite.dense must be one of epsilon, gamma/);
    refuse({ last: 'flat' }, {}, /composite.last is not a layer type/);
    refuse('epsilon-plus', { gamma: 0.5 }, /no gamma rule/);
    refuse('epsilon-gamma-box', { gamma: -1, low: 0, high: 1 }, /gamma must be a number >= 0/);
    refuse({ convolution: 'flat', dense: 'flat' }, { epsilon: 0.1 }, /no epsilon rule/);
    refuse('epsilon-plus-flat', { low: 0 }, /no z-box rule/);
    refuse('epsilon-gamma-box', { high: 1 }, /needs low: the lowest value an input can take/);
    refuse('epsilon-gamma-box', { low: [0, 0], high: 1 }, /3 of them \(one per input channel\)/);
    refuse('epsilon-gamma-box', { low: [0, 2, 0], high: 1 }, /channel 1 has low 2 > high 1/);
    expect(() => checkLrpComposite('epsilon-plus', { gamma: 0.5 }, 3)).toThrowError(OptionError);
  });
});

describe('lrp with a composite', () => {
  it('sends the composite and the parameters its rules use to the model, and reports them in meta', async () => {
    const { modelBytes, arrays, target } = loadBackpropFixture('colorcnn');
    const model = await fromOnnx(ort, modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
    // The backward rules of each request, as the model is asked.
    const asked: unknown[] = [];
    const run = model.run.bind(model);
    model.run = ((request) => {
      asked.push(request.backward);
      return run(request);
    }) as Model['run'];
    try {
      const input = { data: arrays.input!.data.slice(0, 3 * 32 * 32), shape: [1, 3, 32, 32] };
      const box = await lrp.attribute(model, input, { target: target[0], composite: 'epsilon-gamma-box', low: [-2, -2, -2], high: 2 });
      expect(asked.at(-1)).toEqual({ lrp: { composite: 'epsilon-gamma-box', epsilon: 1e-6, gamma: 0.25, low: [-2, -2, -2], high: 2 } });
      expect(box.meta).toMatchObject({ rules: 'epsilon-gamma-box', epsilon: 1e-6, gamma: 0.25, low: [-2, -2, -2], high: 2 });
      const map = await lrp.attribute(model, input, { target: target[0], composite: { convolution: 'alpha1-beta0', dense: 'w-square' } });
      expect(asked.at(-1)).toEqual({ lrp: { composite: { convolution: 'alpha1-beta0', dense: 'w-square' } } });
      expect(map.meta.rules).toEqual({ convolution: 'alpha1-beta0', dense: 'w-square' });
      expect(map.meta).not.toHaveProperty('epsilon');
      // z+ and alpha1-beta0 are one rule under two names.
      const plus = await lrp.attribute(model, input, { target: target[0], composite: { convolution: 'z-plus', dense: 'w-square' } });
      expect(Array.from(plus.values.data)).toEqual(Array.from(map.values.data));
    } finally {
      model.dispose();
    }
  });

  it('refuses gamma or bounds without a composite, before any call', async () => {
    const { modelBytes, arrays } = loadBackpropFixture('colorcnn');
    const model = spyModel(await fromOnnx(ort, modelBytes, { sessionOptions: { intraOpNumThreads: 1 } }));
    try {
      await expect(lrp.attribute(model, arrays.input!, { target: 0, gamma: 0.5 })).rejects.toThrowError(/give composite too/);
      await expect(lrp.attribute(model, arrays.input!, { target: 0, composite: 'epsilon-gamma-box' })).rejects.toThrowError(/needs low/);
      expect(model.calls.length).toBe(0);
    } finally {
      model.dispose();
    }
  });
});
