/**
 * @packageDocumentation
 * SmoothGrad, SmoothGrad-squared and VarGrad as a wrapper around any attribution method.
 */
export type { NoiseStdev, SmoothGradOptions, SmoothGradStatistic } from './options.js';
export { DEFAULT_SAMPLES, DEFAULT_STDEV, SMOOTHGRAD_OPTION_KEYS, SMOOTHGRAD_STATISTICS } from './options.js';
export { smoothGrad, smoothGradSquared, varGrad } from './smoothgrad.js';
