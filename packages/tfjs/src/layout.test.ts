import { describe, expect, it } from 'vitest';
import { resolveLayout } from './layout.js';

describe('resolveLayout', () => {
  it('defaults by rank, dtype and embeddings', () => {
    expect(resolveLayout(undefined, [null, 28, 28, 1], false, undefined)).toBe('NHWC');
    expect(resolveLayout(undefined, [null, null, null, 3], false, undefined)).toBe('NHWC');
    expect(resolveLayout(undefined, [null, 8], false, 'float32')).toBe('NC');
    expect(resolveLayout(undefined, [null, 8], false, 'int32')).toBe('tokens');
    expect(resolveLayout(undefined, [null, null], true, undefined)).toBe('tokens');
  });

  it('never guesses a channels-first looking shape or an unusual rank', () => {
    expect(() => resolveLayout(undefined, [null, 3, 32, 32], false, undefined)).toThrow(/looks channels-first.*declare layout/);
    expect(() => resolveLayout(undefined, [null, 1, 28, 28], false, undefined)).toThrow(/NCHW/);
    expect(() => resolveLayout(undefined, [null, 10, 4], false, undefined)).toThrow(/rank 3 have no default layout/);
    expect(() => resolveLayout(undefined, [null, 10, 4], true, undefined)).toThrow(/Token models take ids of shape \[batch, tokens\]/);
  });

  it('takes a declared layout that fits the rank', () => {
    expect(resolveLayout('NCHW', [null, 3, 32, 32], false, undefined)).toBe('NCHW');
    expect(resolveLayout('NHWC', [null, 3, 32, 32], false, undefined)).toBe('NHWC');
    expect(resolveLayout('tokens', [null, 16], false, 'float32')).toBe('tokens');
    expect(() => resolveLayout('NC', [null, 3, 32, 32], false, undefined)).toThrow(/needs inputs of rank 2/);
    expect(() => resolveLayout('NWHC' as never, [null, 3, 32, 32], false, undefined)).toThrow(/Unknown layout/);
  });
});
