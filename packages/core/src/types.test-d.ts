// Type tests of the public generics, checked by `tsc` (the package's typecheck, part of `pnpm test`):
// an `expectTypeOf` that does not hold, or a `@ts-expect-error` line that compiles, fails it.
import { expectTypeOf } from 'vitest';
import type { Attribution, CommonOptions, Method, OptionsOf } from './method.js';
import type { Model, ModelOutputs } from './model.js';
import type { MethodCall } from './prologue.js';
import type { Target } from './targets.js';
import type { TensorData } from './tensor.js';

interface StepOptions {
  readonly steps?: number;
}
declare const method: Method<StepOptions>;
declare const model: Model;
declare const input: TensorData;

// A method's options are its own and the common ones; OptionsOf recovers them.
expectTypeOf<OptionsOf<typeof method>>().toEqualTypeOf<StepOptions>();
expectTypeOf(method.attribute(model, input, { steps: 3, target: 2, batchSize: 4, limits: { steps: 5 } })).resolves.toEqualTypeOf<Attribution>();
// @ts-expect-error a misspelt option is a compile error (and an OptionError at run time).
void method.attribute(model, input, { stepz: 3 });
// @ts-expect-error an option of the wrong type.
void method.attribute(model, input, { steps: 'many' });
// @ts-expect-error limits name kinds of work only.
void method.attribute(model, input, { limits: { rows: 10 } });

// Every form of target.
expectTypeOf<1>().toMatchTypeOf<Target>();
expectTypeOf<'predicted'>().toMatchTypeOf<Target>();
expectTypeOf<number[]>().toMatchTypeOf<Target>();
expectTypeOf<Int32Array>().toMatchTypeOf<Target>();
expectTypeOf<{ classes: number[] }>().toMatchTypeOf<Target>();
expectTypeOf<{ topK: number }>().toMatchTypeOf<Target>();
expectTypeOf<'all'>().not.toMatchTypeOf<Target>();
expectTypeOf<{ top: number }>().not.toMatchTypeOf<Target>();
expectTypeOf<CommonOptions['target']>().toEqualTypeOf<Target | undefined>();

// The context is named tensors.
expectTypeOf<{ attention_mask: TensorData }>().toMatchTypeOf<NonNullable<CommonOptions['context']>>();

// A prologue run gives exactly the outputs asked for.
declare const call: MethodCall;
expectTypeOf(call.run({ input, examples: [0], targets: [1], outputs: ['inputGradients', 'logits'] })).resolves.toEqualTypeOf<Pick<ModelOutputs, 'inputGradients' | 'logits'>>();
// @ts-expect-error not an output a model gives.
void call.run({ input, examples: [0], outputs: ['saliency'] });
