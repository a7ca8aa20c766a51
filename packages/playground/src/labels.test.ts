import { describe, expect, it } from 'vitest';
import { chooseTarget, parseLabels, targetText, topTargets } from './labels.js';

describe('parseLabels', () => {
  it('reads one name per line, skipping blank lines and CRLF', () => {
    expect(parseLabels('T-shirt/top\r\nTrouser\n\nPullover\n')).toEqual(['T-shirt/top', 'Trouser', 'Pullover']);
  });

  it('reads a JSON array, and the index JSON Keras ships for ImageNet', () => {
    expect(parseLabels('["cat", "dog"]')).toEqual(['cat', 'dog']);
    expect(parseLabels('{"1": ["n01443537", "goldfish"], "0": ["n01440764", "tench"]}')).toEqual(['tench', 'goldfish']);
    expect(parseLabels('{"0": "a", "2": "c"}')).toEqual(['a', 'class 1', 'c']);
  });

  it('says what it expected when the JSON is broken or not class names', () => {
    expect(() => parseLabels('["cat",')).toThrow(/does not parse/);
    expect(() => parseLabels('{"x": "cat"}')).toThrow(/not a class index/);
    expect(() => parseLabels('[{"a": 1}]')).toThrow(/not a name/);
  });
});

describe('topTargets', () => {
  it('ranks classes by softmax probability, with their names', () => {
    const ranked = topTargets([0, Math.log(3), 0], ['a', 'b'], 2);
    expect(ranked.map((r) => r.index)).toEqual([1, 0]);
    expect(ranked[0]!.probability).toBeCloseTo(0.6, 6);
    expect(ranked[0]!.name).toBe('b');
    expect(topTargets([0, 0, 1], ['a'], 1)[0]!.name).toBe('class 2');
    expect(targetText(ranked[0]!)).toBe('b (class 1) · 60.0%');
  });
});

describe('chooseTarget', () => {
  it('takes a typed class number over the list, and the list otherwise', () => {
    expect(chooseTarget('predicted', '', 10)).toBe('predicted');
    expect(chooseTarget('4', ' ', 10)).toBe(4);
    expect(chooseTarget('4', '9', 10)).toBe(9);
    expect(() => chooseTarget('predicted', '10', 10)).toThrow('Class 10 does not exist: this model has 10 classes, 0 to 9.');
    expect(() => chooseTarget('predicted', '2.5', 10)).toThrow(/does not exist/);
  });
});
