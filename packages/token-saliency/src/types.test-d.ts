// Type tests of the token methods' public types, checked by `tsc` (the package's typecheck, part of `pnpm test`).
import type { Model, TensorData } from '@salience/core';
import { expectTypeOf } from 'vitest';
import type { TOKEN_SALIENCY_OPTION_KEYS, TokenSaliencyOptions } from './options.js';
import type { TokenAttribution } from './token-attribution.js';
import { tokenIntegratedGradients, tokenSaliency } from './token-saliency.js';

declare const model: Model;
declare const input: TensorData;

// Token methods return a TokenAttribution: ids, mask and tokens travel with the scores.
expectTypeOf(tokenSaliency.attribute(model, input, { score: 'grad-l2', padTokenId: 0 })).resolves.toEqualTypeOf<TokenAttribution>();
expectTypeOf<TokenAttribution['layout']>().toEqualTypeOf<'NT' | 'NTD'>();
void tokenIntegratedGradients.attribute(model, input, { padTokenId: 0, steps: 20_000, limits: { steps: 20_000 }, context: { attention_mask: input } });
// @ts-expect-error not a token score.
void tokenSaliency.attribute(model, input, { score: 'gradient' });
// @ts-expect-error steps is a number.
void tokenIntegratedGradients.attribute(model, input, { steps: '50' });

// The names checked at run time are exactly the option type's keys: none rejected by mistake.
expectTypeOf<(typeof TOKEN_SALIENCY_OPTION_KEYS)[number]>().toEqualTypeOf<keyof TokenSaliencyOptions>();
