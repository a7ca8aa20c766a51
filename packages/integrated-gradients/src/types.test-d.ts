// Type tests, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import type { Model, OptionsOf, TensorData } from '@salience/core';
import { expectTypeOf } from 'vitest';
import { type INTEGRATED_GRADIENTS_OPTION_KEYS, type IntegratedGradientsOptions, integratedGradients } from './integrated-gradients.js';

declare const model: Model;
declare const input: TensorData;

// The names checked at run time are exactly the option type's keys: none rejected by mistake.
expectTypeOf<(typeof INTEGRATED_GRADIENTS_OPTION_KEYS)[number]>().toEqualTypeOf<keyof IntegratedGradientsOptions>();
expectTypeOf<OptionsOf<typeof integratedGradients>>().toEqualTypeOf<IntegratedGradientsOptions>();
void integratedGradients.attribute(model, input, { baselines: [{ kind: 'blur', sigma: 2 }, 0.5], steps: 20_000, limits: { steps: 20_000 } });
// @ts-expect-error not a quadrature.
void integratedGradients.attribute(model, input, { quadrature: 'simpson' });
// @ts-expect-error a misspelt option.
void integratedGradients.attribute(model, input, { stepz: 3 });
