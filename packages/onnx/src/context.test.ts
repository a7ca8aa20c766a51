import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { CompanionInputs } from './context.js';
import type { Companion } from './graph-inputs.js';

const ids = { data: Float32Array.from([5, 6, 0, 7, 0, 0]), shape: [2, 3] };
const explained = { name: 'input_ids', dims: ['batch', 'sequence'], tokens: true };

describe('companions derived from the ids', () => {
  it('follow the declared rank: [B, T], [B, 1, 1, T] for an extended mask, [B, T] without a declared shape', () => {
    const companions: Companion[] = [
      { name: 'attention_mask', type: 'float32', dims: ['batch', 1, 1, 'sequence'], role: 'attention-mask' },
      { name: 'position_ids', type: 'int64', dims: undefined, role: 'positions' },
      { name: 'token_type_ids', type: 'int32', dims: ['batch', 'sequence'], role: 'token-types' },
    ];
    const derived = new CompanionInputs(companions, explained, 0).derive(ids);
    expect(derived.attention_mask).toEqual({ data: Float32Array.from([1, 1, 0, 1, 0, 0]), shape: [2, 1, 1, 3] });
    expect(derived.position_ids).toEqual({ data: Float32Array.from([0, 1, 2, 0, 1, 2]), shape: [2, 3] });
    expect(derived.token_type_ids).toEqual({ data: new Float32Array(6), shape: [2, 3] });
  });

  it('are left to the caller when the shape is not one of those, the input is not tokens, or the role is unknown', () => {
    const square: Companion = { name: 'attention_mask', type: 'bool', dims: ['batch', 'sequence', 'sequence'], role: 'attention-mask' };
    const other: Companion = { name: 'lang_id', type: 'int64', dims: ['batch'], role: 'given' };
    const inputs = new CompanionInputs([square, other], explained, 0);
    expect(inputs.derive(ids)).toEqual({});
    expect(() => inputs.resolve(ids, undefined)).toThrow(OptionError);
    expect(() => inputs.resolve(ids, undefined)).toThrow(/'attention_mask' \(bool, \[batch, sequence, sequence\]\) cannot be derived/);
    const image = new CompanionInputs([{ ...other, name: 'attention_mask', role: 'attention-mask' }], { ...explained, tokens: false }, 0);
    expect(image.derive(ids)).toEqual({});
  });

  it('resolve: given rows win, the rest is derived from the input, and all are checked against the graph', () => {
    const companions: Companion[] = [
      { name: 'attention_mask', type: 'int64', dims: ['batch', 'sequence'], role: 'attention-mask' },
      { name: 'lang_id', type: 'int64', dims: ['batch'], role: 'given' },
    ];
    const inputs = new CompanionInputs(companions, explained, null);
    const lang = { data: Float32Array.from([3, 4]), shape: [2] };
    const resolved = inputs.resolve(ids, { lang_id: lang });
    expect(resolved.get('lang_id')).toBe(lang);
    expect(Array.from(resolved.get('attention_mask')!.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => inputs.resolve(ids, { lang_id: { data: Float32Array.from([3, Number.NaN]), shape: [2] } })).toThrow(/value 1 is NaN/);
  });
});
