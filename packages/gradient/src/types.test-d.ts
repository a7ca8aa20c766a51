// Type tests, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import { expectTypeOf } from 'vitest';
import type { GRADIENT_OPTION_KEYS, GradientOptions } from './gradient.js';

// The names checked at run time are exactly the option type's keys: none rejected by mistake.
expectTypeOf<(typeof GRADIENT_OPTION_KEYS)[number]>().toEqualTypeOf<keyof GradientOptions>();
