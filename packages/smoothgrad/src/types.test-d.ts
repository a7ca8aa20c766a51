// Type tests of the wrapper's generics, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import type { Attribution, Model, OptionsOf, TensorData } from '@salience/core';
import { type GradientOptions, gradient } from '@salience/gradient';
import { expectTypeOf } from 'vitest';
import type { SMOOTHGRAD_OPTION_KEYS, SmoothGradOptions } from './options.js';
import { smoothGrad, varGrad } from './smoothgrad.js';

declare const model: Model;
declare const input: TensorData;

// The wrapper takes its own options and the inner method's, whatever the inner method is.
const wrapped = smoothGrad(gradient, { samples: 4 });
expectTypeOf<OptionsOf<typeof wrapped>>().toEqualTypeOf<GradientOptions & SmoothGradOptions>();
expectTypeOf(wrapped.attribute(model, input, { variant: 'signed', samples: 8, stdev: { relative: 0.2 }, target: { topK: 2 } })).resolves.toEqualTypeOf<Attribution>();
// @ts-expect-error an inner option of the wrong kind.
void wrapped.attribute(model, input, { variant: 'squared' });
// @ts-expect-error a wrapper option of the wrong kind.
void varGrad(gradient).attribute(model, input, { stdev: 'high' });
// @ts-expect-error a wrapper default that is not a wrapper option.
smoothGrad(gradient, { variant: 'signed' });

// The names the wrapper keeps are exactly its option type's keys.
expectTypeOf<(typeof SMOOTHGRAD_OPTION_KEYS)[number]>().toEqualTypeOf<keyof SmoothGradOptions>();
