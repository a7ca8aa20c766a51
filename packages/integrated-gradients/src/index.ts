export type { IntegratedGradientsOptions, IntegrationRound } from './integrated-gradients.js';
export { integratedGradients, DEFAULT_STEPS, DEFAULT_MAX_STEPS } from './integrated-gradients.js';

export type { Quadrature, QuadratureRule, QuadratureRound } from './quadrature.js';
export { QUADRATURES, quadratureRule, firstRound, refineRound, refinedSteps, reusesPoints } from './quadrature.js';

export type { GaussLegendreRule } from './gauss-legendre.js';
export { gaussLegendre } from './gauss-legendre.js';

export type { Baseline, Baselines, BaselineSamples, BlurBaseline, UniformBaseline, BaselineSet } from './baselines.js';
export { DEFAULT_BLUR_SIGMA, resolveBaselines } from './baselines.js';

