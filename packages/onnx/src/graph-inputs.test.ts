import { ModelGraph } from '@salience/onnx-autodiff';
import { describe, expect, it } from 'vitest';
import { attributedInput, companionsOf } from './graph-inputs.js';

type Declared = { name: string; type: 'float32' | 'int64' | 'int32' | 'bool' | 'float16'; shape: (number | string)[] };

function graphOf(inputs: Declared[]): ModelGraph {
  const g = ModelGraph.create({ inputs });
  for (const { name } of inputs) g.addOutput(g.add('Identity', [name]));
  return g;
}

describe('the input to explain', () => {
  it('is the option, the only input, the one image, or the one input named like ids, companions aside', () => {
    const text = graphOf([
      { name: 'attention_mask', type: 'float32', shape: ['batch', 'sequence'] },
      { name: 'tokens', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'token_type_ids', type: 'int64', shape: ['batch', 'sequence'] },
    ]);
    expect(attributedInput(text, undefined)).toBe('tokens');
    expect(attributedInput(text, 'attention_mask')).toBe('attention_mask');
    const image = graphOf([
      { name: 'scale', type: 'float32', shape: ['batch', 2] },
      { name: 'pixel_values', type: 'float32', shape: ['batch', 3, 8, 8] },
      { name: 'pixel_mask', type: 'int64', shape: ['batch', 8, 8] },
    ]);
    expect(attributedInput(image, undefined)).toBe('pixel_values');
    const left = graphOf([
      { name: 'features', type: 'float32', shape: ['batch', 5] },
      { name: 'position_ids', type: 'int64', shape: ['batch', 5] },
    ]);
    expect(attributedInput(left, undefined)).toBe('features');
    const two = graphOf([
      { name: 'a', type: 'int64', shape: ['batch', 4] },
      { name: 'b', type: 'int64', shape: ['batch', 4] },
    ]);
    expect(() => attributedInput(two, undefined)).toThrow(/2 inputs \('a', 'b'\) and none is clearly the one to explain; name it with the 'input' option/);
  });
});

describe('the other inputs', () => {
  it('get roles by name for token models only, and their element types', () => {
    const g = graphOf([
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'bool', shape: ['batch', 'sequence'] },
      { name: 'bert.position_ids', type: 'int32', shape: ['batch', 'sequence'] },
      { name: 'lang', type: 'float32', shape: ['batch'] },
    ]);
    expect(companionsOf(g, 'input_ids', true, undefined).map((c) => [c.name, c.type, c.role])).toEqual([
      ['attention_mask', 'bool', 'attention-mask'],
      ['bert.position_ids', 'int32', 'positions'],
      ['lang', 'float32', 'given'],
    ]);
    expect(companionsOf(g, 'lang', false, undefined).every((c) => c.role === 'given')).toBe(true);
  });

  it('must be batch first like the explained input, in a type salience feeds', () => {
    const fixed = graphOf([
      { name: 'input_ids', type: 'int64', shape: ['batch', 4] },
      { name: 'position_ids', type: 'int64', shape: [1, 4] },
    ]);
    expect(() => companionsOf(fixed, 'input_ids', true, undefined)).toThrow(/fixed first dimension 1.*one row per example/);
    expect(companionsOf(fixed, 'input_ids', true, 1)).toHaveLength(1);
    const half = graphOf([
      { name: 'input_ids', type: 'int64', shape: ['batch', 4] },
      { name: 'attention_mask', type: 'float16', shape: ['batch', 4] },
    ]);
    expect(() => companionsOf(half, 'input_ids', true, undefined)).toThrow(/'attention_mask' has ONNX element type 10/);
  });
});
