import { OptionError } from '@salience/core';

/** Nodes (ascending) and weights of an n-point rule on [-1, 1], in double precision. */
export interface GaussLegendreRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/**
 * Gauss-Legendre nodes and weights on [-1, 1] by Newton's method on P_n, started from the
 * Tricomi approximation of each root. Same values as numpy's `leggauss` (what Captum uses) to a
 * few units in the last place.
 */
export function gaussLegendre(n: number): GaussLegendreRule {
  if (!Number.isInteger(n) || n < 1) throw new OptionError(`Gauss-Legendre needs a positive integer number of points; got ${n}.`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  // Roots come in pairs ±x; compute the positive half and mirror it.
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iteration = 0; iteration < 100; iteration++) {
      const { value, slope } = legendre(n, x);
      const dx = value / slope;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    const derivative = legendre(n, x).slope;
    const w = 2 / ((1 - x * x) * derivative * derivative);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  // An odd rule has its middle root at exactly 0.
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  return { nodes, weights };
}

/** P_n(x) and P_n'(x) by the three-term recurrence. */
function legendre(n: number, x: number): { value: number; slope: number } {
  let previous = 1;
  let current = x;
  for (let k = 2; k <= n; k++) {
    const next = ((2 * k - 1) * x * current - (k - 1) * previous) / k;
    previous = current;
    current = next;
  }
  if (n === 0) return { value: 1, slope: 0 };
  // P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1); x never reaches ±1 at a root.
  const slope = (n * (x * current - previous)) / (x * x - 1);
  return { value: current, slope };
}
