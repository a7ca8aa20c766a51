/**
 * @packageDocumentation
 * Integrated gradients (Sundararajan et al. 2017) for salience: quadratures of the straight path
 * from baselines to the input, the convergence delta, and step doubling to a tolerance. The path
 * integrator is exported for methods that integrate along other spaces (token embeddings).
 */

export type { BaselineSamples, Baselines, BlurBaseline, IntegrationBaseline, UniformBaseline } from './baselines.js';
export { DEFAULT_BLUR_SIGMA } from './baselines.js';
export type { IntegratedGradientsOptions, IntegrationRound } from './integrated-gradients.js';
export { checkSteps, DEFAULT_MAX_STEPS, DEFAULT_STEPS, INTEGRATED_GRADIENTS_OPTION_KEYS, integratedGradients } from './integrated-gradients.js';

export type { PathIntegration, StraightPaths } from './path-integral.js';
export { integrateRound } from './path-integral.js';
export type { Quadrature, QuadratureRound } from './quadrature.js';
export { firstRound, QUADRATURES, refineRound } from './quadrature.js';
