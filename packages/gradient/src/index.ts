export type { GradientOptions, GradientVariant } from './gradient.js';
export { gradient, inputXGradient, gradientMethod, GRADIENT_VARIANTS } from './gradient.js';
