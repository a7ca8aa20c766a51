import { describe, expect, it } from 'vitest';
import { OptionError } from './errors.js';
import { checkOptionKeys, closestName } from './option-keys.js';

describe('option keys', () => {
  it('accepts the method options and the common ones', () => {
    expect(() => checkOptionKeys({ steps: 4, target: 0, batchSize: 2, signal: undefined, limits: {} }, ['steps'], 'IG')).not.toThrow();
    expect(() => checkOptionKeys(undefined, ['steps'], 'IG')).not.toThrow();
  });

  it('rejects an unknown key with the closest valid name', () => {
    expect(() => checkOptionKeys({ stepz: 4 }, ['steps', 'quadrature'], "The 'ig' method")).toThrow(OptionError);
    expect(() => checkOptionKeys({ stepz: 4 }, ['steps', 'quadrature'], "The 'ig' method")).toThrow(/no option 'stepz'; did you mean 'steps'\?/);
    expect(() => checkOptionKeys({ batchsize: 4 }, [], 'X')).toThrow(/did you mean 'batchSize'/);
    expect(() => checkOptionKeys({ wholly: 1 }, ['steps'], 'X')).toThrow(/no option 'wholly'\. Its options: steps, target/);
  });

  it('ignores keys set to undefined', () => {
    expect(() => checkOptionKeys({ stepz: undefined }, ['steps'], 'X')).not.toThrow();
  });

  it('finds close names only', () => {
    expect(closestName('quadrture', ['steps', 'quadrature'])).toBe('quadrature');
    expect(closestName('zzzzzz', ['steps', 'quadrature'])).toBeUndefined();
  });
});
