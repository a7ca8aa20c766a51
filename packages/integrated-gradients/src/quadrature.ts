import { OptionError } from '@salience/core';
import { gaussLegendre } from './gauss-legendre.js';

/**
 * How the path integral over alpha in [0, 1] is approximated:
 * - 'riemann-left' / 'riemann-right': n equal steps, nodes at the left / right end of each;
 * - 'riemann-middle': nodes at the middle of each of n equal steps;
 * - 'riemann-trapezoid': n nodes from 0 to 1 inclusive, halved weights at the ends;
 * - 'gauss-legendre': n Gauss-Legendre nodes mapped to [0, 1] (Captum's default).
 */
export type Quadrature = 'riemann-left' | 'riemann-right' | 'riemann-middle' | 'riemann-trapezoid' | 'gauss-legendre';

export const QUADRATURES: readonly Quadrature[] = ['riemann-left', 'riemann-right', 'riemann-middle', 'riemann-trapezoid', 'gauss-legendre'];

/** Nodes and weights on [0, 1]. */
export interface QuadratureRule {
  readonly alphas: Float64Array;
  readonly weights: Float64Array;
}

/**
 * One round of integration. A rule's weights are `coefficients * scale`; a refining round adds
 * new nodes to the sums of the rounds before it (`reused` nodes) and rescales the total.
 */
export interface QuadratureRound {
  /** Points of the rule once this round is done. */
  readonly steps: number;
  /** Nodes to evaluate in this round. */
  readonly alphas: Float64Array;
  readonly coefficients: Float64Array;
  readonly scale: number;
  /** Nodes kept from the previous round; 0 means the sums start afresh. */
  readonly reused: number;
}

export function checkQuadrature(quadrature: string): Quadrature {
  if (!QUADRATURES.includes(quadrature as Quadrature)) {
    throw new OptionError(`Unknown quadrature '${quadrature}'; use one of ${QUADRATURES.join(', ')}.`);
  }
  return quadrature as Quadrature;
}

/** Fewest points a rule accepts: the trapezoid needs both ends. */
export function minimumSteps(quadrature: Quadrature): number {
  return quadrature === 'riemann-trapezoid' ? 2 : 1;
}

/** Whether the refined rule contains the nodes of the coarser one, so their gradients can be kept. */
export function reusesPoints(quadrature: Quadrature): boolean {
  return quadrature === 'riemann-left' || quadrature === 'riemann-right' || quadrature === 'riemann-trapezoid';
}

/** Points of the next, finer rule: twice the steps (twice the intervals for the trapezoid). */
export function refinedSteps(quadrature: Quadrature, steps: number): number {
  return quadrature === 'riemann-trapezoid' ? 2 * steps - 1 : 2 * steps;
}

/**
 * Captum's `riemann_trapezoid` uses a step of 1/n instead of 1/(n - 1), so its weights sum to
 * (n - 1)/n; `captumTrapezoid` reproduces that.
 */
function trapezoidScale(steps: number, captumTrapezoid: boolean): number {
  return captumTrapezoid ? 1 / steps : 1 / (steps - 1);
}

/** The full rule of `steps` points, as one round that starts afresh. */
export function firstRound(quadrature: Quadrature, steps: number, captumTrapezoid = false): QuadratureRound {
  const alphas = new Float64Array(steps);
  const coefficients = new Float64Array(steps).fill(1);
  let scale = 1 / steps;
  switch (quadrature) {
    case 'riemann-left':
      for (let i = 0; i < steps; i++) alphas[i] = i / steps;
      break;
    case 'riemann-right':
      for (let i = 0; i < steps; i++) alphas[i] = (i + 1) / steps;
      break;
    case 'riemann-middle':
      for (let i = 0; i < steps; i++) alphas[i] = (i + 0.5) / steps;
      break;
    case 'riemann-trapezoid':
      for (let i = 0; i < steps; i++) alphas[i] = i / (steps - 1);
      coefficients[0] = 0.5;
      coefficients[steps - 1] = 0.5;
      scale = trapezoidScale(steps, captumTrapezoid);
      break;
    case 'gauss-legendre': {
      const { nodes, weights } = gaussLegendre(steps);
      for (let i = 0; i < steps; i++) {
        alphas[i] = 0.5 * (1 + nodes[i]!);
        coefficients[i] = 0.5 * weights[i]!;
      }
      scale = 1;
      break;
    }
  }
  return { steps, alphas, coefficients, scale, reused: 0 };
}

/** The round that refines a rule of `steps` points: only the new nodes where the rule nests. */
export function refineRound(quadrature: Quadrature, steps: number, captumTrapezoid = false): QuadratureRound {
  const next = refinedSteps(quadrature, steps);
  if (!reusesPoints(quadrature)) return firstRound(quadrature, next, captumTrapezoid);
  // Left, right: n -> 2n, the new nodes are the odd multiples of 1/(2n). Trapezoid: n - 1
  // intervals are halved, the new nodes are their midpoints.
  const intervals = quadrature === 'riemann-trapezoid' ? steps - 1 : steps;
  const alphas = new Float64Array(intervals);
  for (let i = 0; i < intervals; i++) alphas[i] = (2 * i + 1) / (2 * intervals);
  const scale = quadrature === 'riemann-trapezoid' ? trapezoidScale(next, captumTrapezoid) : 1 / next;
  return { steps: next, alphas, coefficients: new Float64Array(intervals).fill(1), scale, reused: steps };
}

/** Nodes and weights of the `steps`-point rule on [0, 1]. */
export function quadratureRule(quadrature: Quadrature, steps: number, captumTrapezoid = false): QuadratureRule {
  const round = firstRound(quadrature, steps, captumTrapezoid);
  return { alphas: round.alphas, weights: round.coefficients.map((c) => c * round.scale) };
}
