import { describe, expect, it } from 'vitest';
import { OptionError } from './errors.js';
import { checkLimit, WORK_LIMITS } from './limits.js';

describe('work limits', () => {
  it('accepts work up to the documented limit', () => {
    expect(WORK_LIMITS).toEqual({ steps: 10_000, samples: 10_000, windows: 250_000 });
    expect(() => checkLimit('steps', 10_000, undefined)).not.toThrow();
  });

  it('refuses more, naming the limit and how to raise it', () => {
    expect(() => checkLimit('steps', 200_000, undefined)).toThrow(OptionError);
    expect(() => checkLimit('steps', 200_000, undefined)).toThrow(/steps is 200000, above the limit of 10000.*limits: \{ steps: 200000 \}/);
    expect(() => checkLimit('samples', 1e8, {}, 'baselines.samples')).toThrow(/baselines.samples is 100000000/);
  });

  it('takes a raised limit, and checks it', () => {
    expect(() => checkLimit('steps', 200_000, { steps: 200_000 })).not.toThrow();
    expect(() => checkLimit('steps', 20, { steps: 10 })).toThrow(/limit of 10/);
    expect(() => checkLimit('steps', 20, { steps: -1 })).toThrow(/limits.steps must be a positive integer/);
    expect(() => checkLimit('windows', 20, { windows: Number.NaN })).toThrow(OptionError);
  });
});
