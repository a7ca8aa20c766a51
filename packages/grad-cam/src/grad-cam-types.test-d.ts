// Type tests, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import { expectTypeOf } from 'vitest';
import type { GRAD_CAM_OPTION_KEYS, GradCamOptions } from './grad-cam.js';

// The names checked at run time are exactly the option type's keys: none rejected by mistake.
expectTypeOf<(typeof GRAD_CAM_OPTION_KEYS)[number]>().toEqualTypeOf<keyof GradCamOptions>();
