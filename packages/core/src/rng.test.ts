import { describe, expect, it } from 'vitest';
import { createRng, portableLog } from './rng.js';

describe('createRng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.uniform());
    expect(Array.from({ length: 8 }, () => b.uniform())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.uniform())).not.toEqual(sa);
  });

  it('is pinned to golden values, so every platform and release draws the same noise', () => {
    const rng = createRng(2024);
    const u = Array.from({ length: 3 }, () => rng.uniform());
    const n = Array.from({ length: 3 }, () => rng.normal());
    expect(u.map((v) => v.toFixed(12))).toMatchInlineSnapshot(`
      [
        "0.563430798781",
        "0.290872592852",
        "0.607183632959",
      ]
    `);
    expect(n.map((v) => v.toFixed(12))).toMatchInlineSnapshot(`
      [
        "0.012025233587",
        "-0.243652891734",
        "0.305604111797",
      ]
    `);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const rng = createRng(7);
    const xs = rng.fillNormal(new Float32Array(200_000));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
  });

  it('draws uniforms in the requested range', () => {
    const xs = createRng(1).fillUniform(new Float32Array(10_000), -2, 3);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    const ints = Array.from({ length: 1000 }, (_, i) => createRng(i).int(5));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4]));
  });
});

describe('portableLog', () => {
  it('agrees with Math.log to double precision over many magnitudes', () => {
    for (const x of [1e-300, 1e-10, 0.001, 0.5, 0.7071, 1, 1.4142, 2, 10, 12345.678, 1e200]) {
      expect(portableLog(x)).toBeCloseTo(Math.log(x), 12);
    }
  });
});
