export type { GradientOptions, GradientVariant } from './gradient.js';
export { GRADIENT_VARIANTS, gradient, gradientMethod, inputXGradient } from './gradient.js';
