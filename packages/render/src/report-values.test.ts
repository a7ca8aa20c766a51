import { describe, expect, it } from 'vitest';
import { formatNumber, formatValue } from './report-values.js';

describe('report values', () => {
  it('formats numbers briefly', () => {
    expect(formatNumber(50)).toBe('50');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1e-4)).toBe('1e-4');
    expect(formatNumber(-1.8081e-4)).toBe('-1.808e-4');
    expect(formatNumber(25_000_000)).toBe('25000000');
    expect(formatNumber(2.5e10)).toBe('2.5e+10');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });

  it('formats any meta value on one line', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue(true)).toBe('true');
    expect(formatValue('riemann')).toBe('riemann');
    expect(formatValue([1, 2.5])).toBe('[1, 2.5]');
    expect(formatValue(new Float32Array(10))).toBe('[0, 0, 0, 0, 0, 0, 0, 0, … 10 values]');
    expect(formatValue({ data: new Float32Array(4), shape: [2, 2] })).toBe('tensor [2, 2]');
    expect(formatValue({ kind: 'cross-entropy', weights: new Float32Array(3) })).toBe('{"kind":"cross-entropy","weights":"Float32Array(3)"}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(formatValue(cyclic)).toBe('[object Object]');
    expect(formatValue('x'.repeat(10)).length).toBe(10);
    expect(formatValue({ long: 'y'.repeat(300) }).length).toBe(160);
  });
});
