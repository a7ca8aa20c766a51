/**
 * A seeded random source that gives the same numbers on every platform: xoshiro128** on 32-bit
 * integer arithmetic, and normals from the polar method with a logarithm built from IEEE-exact
 * operations only (Math.log may differ in the last bit between JavaScript engines).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Fills `out` with normals of the given mean and standard deviation; returns `out`. */
  fillNormal(out: Float32Array, mean?: number, std?: number): Float32Array;
  /** Fills `out` with uniforms in [low, high); returns `out`. */
  fillUniform(out: Float32Array, low?: number, high?: number): Float32Array;
  /** An integer in [0, n). */
  int(n: number): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;

/** Natural log for x > 0 from +, -, *, / only, so its result is the same on every engine. */
export function portableLog(x: number): number {
  let exponent = 0;
  while (x >= SQRT2) {
    x /= 2;
    exponent++;
  }
  while (x < SQRT2 / 2) {
    x *= 2;
    exponent--;
  }
  // ln(x) = 2 atanh(u) with u = (x-1)/(x+1), |u| <= 0.1716: the series stops once its terms no
  // longer change the sum (at most 12 terms for double precision).
  const u = (x - 1) / (x + 1);
  const u2 = u * u;
  let term = u;
  let sum = 0;
  for (let k = 1; k < 48; k += 2) {
    const next = sum + term / k;
    if (next === sum) break;
    sum = next;
    term *= u2;
  }
  return 2 * sum + exponent * LN2;
}

export function createRng(seed: number): Rng {
  const init = splitmix32(Number.isFinite(seed) ? Math.floor(seed) : 0);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  // 53 random bits per double.
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    for (;;) {
      // 32-bit coordinates in [-1, 1): the normals end up in float32 maps anyway.
      const u = (next() | 0) / 2147483648;
      const v = (next() | 0) / 2147483648;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * portableLog(s)) / s);
        spare = v * f;
        return u * f;
      }
    }
  };
  return {
    uniform,
    normal,
    fillNormal(out, mean = 0, std = 1) {
      for (let i = 0; i < out.length; i++) out[i] = mean + std * normal();
      return out;
    },
    fillUniform(out, low = 0, high = 1) {
      for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * uniform();
      return out;
    },
    int(n) {
      return Math.floor(uniform() * n);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
