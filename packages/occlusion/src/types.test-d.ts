// Type tests, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import { expectTypeOf } from 'vitest';
import type { FEATURE_ABLATION_OPTION_KEYS, FeatureAblationOptions } from './feature-ablation.js';
import type { OCCLUSION_OPTION_KEYS, OcclusionOptions } from './occlusion.js';

// The names checked at run time are exactly the option types' keys: none rejected by mistake.
expectTypeOf<(typeof OCCLUSION_OPTION_KEYS)[number]>().toEqualTypeOf<keyof OcclusionOptions>();
expectTypeOf<(typeof FEATURE_ABLATION_OPTION_KEYS)[number]>().toEqualTypeOf<keyof FeatureAblationOptions>();
