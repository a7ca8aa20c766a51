import type { Attribution, CommonOptions, Method, Model, TensorData } from '@salience/core';
import {
  assertCapabilities,
  CORE_VERSION,
  checkBatchSize,
  checkInput,
  concatRows,
  contextRows,
  createRng,
  defaultBatchSize,
  forEachBatch,
  gatherRows,
  OptionError,
  resolveContext,
  resolveTargets,
  rowSize,
  sliceRows,
  TargetError,
} from '@salience/core';
import { describe, expect, it } from 'vitest';
import { ConformanceError } from './conformance.js';
import { createForwardOnlyModel, createImageModel, createTabularModel } from './index.js';
import type { MethodConformanceSubject } from './method-conformance.js';
import {
  checkMethodAbort,
  checkMethodBatchBound,
  checkMethodBatching,
  checkMethodCapabilities,
  checkMethodContext,
  checkMethodDescription,
  checkMethodDeterminism,
  checkMethodInputErrors,
  checkMethodMultiTargets,
  checkMethodNoLeaks,
  checkMethodNoMutation,
  checkMethodOptionErrors,
  checkMethodOutput,
  checkMethodProgress,
  checkMethodSeeds,
  checkMethodTargetErrors,
  checkMethodTargets,
  describeMethodConformance,
  planMethodConformance,
} from './method-conformance.js';

// Two small example methods written the way the method packages are: gradient x input
// (deterministic, needs gradients) and random masks (seeded, forward-only). Each takes the name of
// one bug, so that every check can be shown to catch the bug it is about.

type Bug =
  | 'none'
  | 'flat-maps'
  | 'zero-maps'
  | 'maps-for-predicted'
  | 'pairs-share-first-map'
  | 'batch-dependent'
  | 'unbatched-targets'
  | 'unseeded'
  | 'seed-ignored'
  | 'seed-dependent'
  | 'untyped-errors'
  | 'unchecked-samples'
  | 'unchecked-targets'
  | 'no-capability-check'
  | 'ignores-signal'
  | 'progress-from-start'
  | 'mutates-input'
  | 'leaks'
  | 'disposes-model'
  | 'ignores-context'
  | 'context-of-perturbed-rows'
  | 'context-of-another-example';

/** A stand-in for a framework's live tensor count, for the leak checks. */
const live = { count: 0 };

function batchSizeOf(options: CommonOptions, rowElements: number, bug: Bug): number {
  const size = options.batchSize ?? defaultBatchSize(rowElements);
  if (bug === 'untyped-errors' && !(Number.isInteger(size) && size > 0)) throw new Error(`bad batchSize ${size}`);
  return checkBatchSize(size);
}

type Rows = { context?: Readonly<Record<string, TensorData>> };

/**
 * The opening steps these examples need by hand: the context of the real examples (resolved once),
 * the input's logits when the target needs them (each call with its rows' context), the targets,
 * and the context rows of any model rows by their examples.
 */
async function openCall(model: Model, input: TensorData, options: CommonOptions, batchSize: number, signal: AbortSignal | undefined, bug: Bug) {
  const context = bug === 'ignores-context' ? undefined : resolveContext(model, input, options.context);
  const shift = (examples: ArrayLike<number>) => Array.from(examples, (e) => (bug === 'context-of-another-example' ? (e + 1) % input.shape[0]! : e));
  const rowsOf = (examples: ArrayLike<number>): Rows => (context ? { context: contextRows(context, shift(examples)) } : {});
  const target = options.target ?? 'predicted';
  let logits: TensorData | undefined;
  if (target === 'predicted' || (typeof target === 'object' && target !== null && 'topK' in target)) {
    const rows = input.shape[0]!;
    const step = bug === 'unbatched-targets' ? rows : batchSize;
    const parts: TensorData[] = [];
    await forEachBatch(
      rows,
      step,
      async (start, end) => {
        const examples = Array.from({ length: end - start }, (_, i) => start + i);
        parts.push((await model.run({ input: sliceRows(input, start, end), outputs: ['logits'], ...rowsOf(examples), signal })).logits);
      },
      { signal },
    );
    logits = concatRows(parts);
  }
  const resolved = await resolveTargets(model, input, target, signal, { logits });
  return { ...resolved, rowsOf };
}

function finish(model: Model, bug: Bug, a: Attribution): Attribution {
  if (bug === 'disposes-model') model.dispose();
  if (bug === 'zero-maps') a.values.data.fill(0);
  if (bug === 'flat-maps') return { ...a, values: { data: a.values.data, shape: [a.values.shape[0]!, a.values.data.length / a.values.shape[0]!] } };
  return a;
}

function gradientTimesInput(bug: Bug = 'none'): Method {
  return {
    id: 'gradient-times-input',
    requires: ['inputGradients'],
    async attribute(model: Model, input: TensorData, options: CommonOptions = {}): Promise<Attribution> {
      if (bug !== 'no-capability-check') assertCapabilities(model, this.requires, 'gradient-times-input');
      checkInput(model, input);
      const size = rowSize(input);
      const batchSize = batchSizeOf(options, size, bug);
      const signal = bug === 'ignores-signal' ? undefined : options.signal;
      const { examples, targets: asked, rowsOf } = await openCall(model, input, options, batchSize, signal, bug);
      const targets = bug === 'maps-for-predicted' ? (await openCall(model, input, { ...options, target: 'predicted' }, batchSize, signal, bug)).targets : asked;
      const values = new Float32Array(examples.length * size);
      await forEachBatch(
        examples.length,
        batchSize,
        async (start, end) => {
          const batch = gatherRows(input, examples.subarray(start, end));
          const rows = rowsOf(examples.subarray(start, end));
          const { inputGradients } = await model.run({ input: batch, outputs: ['inputGradients'], target: targets.subarray(start, end), ...rows, signal });
          for (let i = 0; i < batch.data.length; i++) values[start * size + i] = batch.data[i]! * inputGradients.data[i]!;
          if (bug === 'seed-dependent') values[start * size]! += (options.seed ?? 0) * 1e-3;
        },
        { signal, onProgress: options.onProgress },
      );
      const attribution = {
        method: 'gradient-times-input',
        values: { data: values, shape: [examples.length, ...input.shape.slice(1)] },
        layout: model.layout as 'NC',
        examples,
        targets: asked,
        meta: { batchSize },
      };
      return finish(model, bug, attribution);
    },
  };
}

interface MaskOptions {
  readonly samples?: number;
}

/** Scores random binary masks of the input's features (keep probability 1/2): sum_i f_c(x * m_i) m_i / (n / 2). */
function randomMasks(bug: Bug = 'none'): Method<MaskOptions> {
  return {
    id: 'random-masks',
    requires: ['logits'],
    async attribute(model: Model, input: TensorData, options: MaskOptions & CommonOptions = {}): Promise<Attribution> {
      if (bug !== 'no-capability-check') assertCapabilities(model, this.requires, 'random-masks');
      checkInput(model, input);
      const samples = options.samples ?? 16;
      if (bug !== 'unchecked-samples' && !(Number.isInteger(samples) && samples > 0)) throw new OptionError(`samples must be a positive integer; got ${samples}.`);
      const size = rowSize(input);
      const exampleCount = input.shape[0]!;
      const batchSize = batchSizeOf(options, size, bug);
      const signal = bug === 'ignores-signal' ? undefined : options.signal;
      const { examples, targets, rowsOf } = await openCall(model, input, options, batchSize, signal, bug);
      if (bug === 'leaks') live.count++;
      if (bug === 'mutates-input') input.data[0]! += 1;
      const seed = bug === 'seed-ignored' ? 0 : (options.seed ?? 0);
      let rng = createRng(seed);
      const draw = () => (bug === 'unseeded' ? Math.random() : rng.uniform());
      const sums = new Float64Array(examples.length * size);
      const mask = new Float32Array(size);
      let maskIndex = -1;
      const total = samples * exampleCount;
      await forEachBatch(
        total,
        batchSize,
        async (start, end) => {
          if (bug === 'batch-dependent') rng = createRng(seed + start);
          const rows = new Float32Array((end - start) * size);
          const masks: Float32Array[] = [];
          for (let k = start; k < end; k++) {
            const i = Math.floor(k / exampleCount);
            if (i !== maskIndex) {
              for (let f = 0; f < size; f++) mask[f] = draw() < 0.5 ? 1 : 0;
              maskIndex = i;
            }
            const e = k % exampleCount;
            for (let f = 0; f < size; f++) rows[(k - start) * size + f] = input.data[e * size + f]! * mask[f]!;
            masks.push(mask.slice());
          }
          const rowExamples = Array.from({ length: end - start }, (_, i) => (start + i) % exampleCount);
          const masked = { data: rows, shape: [end - start, ...input.shape.slice(1)] };
          const context = bug === 'context-of-perturbed-rows' ? { context: model.contextOf?.(masked) } : rowsOf(rowExamples);
          const { logits } = await model.run({ input: masked, outputs: ['logits'], ...context, signal });
          const classes = logits.shape[1]!;
          if (bug !== 'unchecked-targets') {
            const bad = targets.findIndex((t) => t >= classes);
            if (bad >= 0) throw new TargetError(`Target ${targets[bad]} does not exist: the model has ${classes} classes.`);
          }
          for (let k = start; k < end; k++) {
            const e = k % exampleCount;
            for (let p = 0; p < examples.length; p++) {
              if (examples[p] !== e) continue;
              const first = examples.indexOf(e);
              const target = (bug === 'pairs-share-first-map' ? targets[first] : targets[p])!;
              const score = logits.data[(k - start) * classes + Math.min(target, classes - 1)]!;
              const m = masks[k - start]!;
              for (let f = 0; f < size; f++) sums[p * size + f]! += score * m[f]!;
            }
          }
          if (bug === 'progress-from-start') options.onProgress?.(start, total);
        },
        { signal, onProgress: bug === 'progress-from-start' ? undefined : options.onProgress },
      );
      const values = Float32Array.from(sums, (s) => s / (samples / 2));
      const attribution = {
        method: 'random-masks',
        values: { data: values, shape: [examples.length, ...input.shape.slice(1)] },
        layout: model.layout as 'NC',
        examples,
        targets,
        meta: { samples, batchSize },
      };
      return finish(model, bug, attribution);
    },
  };
}

function randomInput(shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

const tabularInput = () => randomInput([3, 6], 5);

function gradientSubject(bug: Bug = 'none', model: Model = createTabularModel()): MethodConformanceSubject {
  return { method: gradientTimesInput(bug), model, input: tabularInput(), liveTensors: () => live.count };
}

function masksSubject(bug: Bug = 'none', model: Model = createForwardOnlyModel()): MethodConformanceSubject<MaskOptions> {
  return {
    method: randomMasks(bug),
    model,
    input: tabularInput(),
    options: { samples: 12 },
    seeded: true,
    badOptions: [{ samples: 0 }, { samples: 2.5 }],
    liveTensors: () => live.count,
  };
}

describeMethodConformance('gradient x input on the tabular fake', () => gradientSubject());
describeMethodConformance('gradient x input on the NHWC image fake', () => ({
  method: gradientTimesInput(),
  model: createImageModel({ layout: 'NHWC' }),
  input: randomInput([2, 6, 5, 3], 6),
}));
describeMethodConformance('random masks on the forward-only fake', () => masksSubject());
describeMethodConformance('random masks on the NCHW image fake', () => ({ ...masksSubject(), model: createImageModel({ layout: 'NCHW' }), input: randomInput([2, 3, 6, 5], 7) }));

/** The check passes on the healthy subject and fails, with a message matching `why`, on the broken one. */
async function expectCaught<O extends object>(
  check: (s: MethodConformanceSubject) => Promise<void>,
  healthy: MethodConformanceSubject<O>,
  sick: MethodConformanceSubject<O>,
  why: RegExp,
): Promise<void> {
  await expect(check(healthy as MethodConformanceSubject)).resolves.toBeUndefined();
  const error = await check(sick as MethodConformanceSubject).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConformanceError);
  expect((error as Error).message).toMatch(why);
}

describe('the method conformance checks catch broken methods', () => {
  it("model calls without their examples' context rows", async () => {
    await expectCaught(checkMethodContext, masksSubject(), masksSubject('ignores-context'), /Model call 0 \(3 rows, logits\) carried no context.conformance_example/);
    await expectCaught(checkMethodContext, gradientSubject(), gradientSubject('ignores-context'), /carried no context.conformance_example/);
    await expectCaught(
      checkMethodContext,
      masksSubject(),
      masksSubject('context-of-perturbed-rows'),
      /row 0: its context was derived from a row that is not one of the caller's examples/,
    );
    await expectCaught(checkMethodContext, gradientSubject(), gradientSubject('context-of-another-example'), /row 0: the input is example 0 but the context is example 1's/);
  });

  it('maps that lose the shape of the input', async () => {
    await expectCaught(
      checkMethodOutput,
      gradientSubject(),
      { ...gradientSubject('flat-maps'), model: createImageModel(), input: randomInput([2, 3, 6, 5], 1) },
      /values of layout 'NCHW' must have 4 dimensions; got shape \[2, 90\]/,
    );
  });

  it('a stub that returns zeros', async () => {
    await expectCaught(checkMethodOutput, masksSubject(), masksSubject('zero-maps'), /every map is all zeros/);
  });

  it('maps computed for the predicted class whatever the target', async () => {
    await expectCaught(checkMethodTargets, gradientSubject(), gradientSubject('maps-for-predicted'), /seems to ignore the target|compared with one call per class/);
  });

  it("several targets of an example that all get the first one's map", async () => {
    await expectCaught(
      checkMethodMultiTargets,
      masksSubject(),
      masksSubject('pairs-share-first-map'),
      /\{ classes: \[2, 0\] \}, compared with separate calls for each class: map \d+ at/,
    );
  });

  it('random numbers that depend on the batching', async () => {
    await expectCaught(checkMethodBatching, masksSubject(), masksSubject('batch-dependent'), /batchSize 1 against batchSize 4096: map \d+ at \[\d+\]/);
  });

  it('a logits call for the targets that ignores batchSize', async () => {
    await expectCaught(checkMethodBatchBound, gradientSubject(), gradientSubject('unbatched-targets'), /batchSize 1, model call 1 of \d+ \(outputs logits\) had 3 rows/);
  });

  it('random numbers that ignore the seed', async () => {
    await expectCaught(checkMethodDeterminism, masksSubject(), masksSubject('unseeded'), /Two identical calls with target 'predicted' and \{ samples: 12, seed: 11 \} differ/);
    await expectCaught(checkMethodSeeds, masksSubject(), masksSubject('seed-ignored'), /Seeds 1 and 2 give identical maps/);
  });

  it('a method that depends on the seed without saying it is seeded', async () => {
    await expectCaught(checkMethodSeeds, gradientSubject(), gradientSubject('seed-dependent'), /set seeded: true/);
  });

  it('errors that are not the typed errors of core, and options that are not checked', async () => {
    await expectCaught(
      checkMethodOptionErrors,
      masksSubject(),
      masksSubject('untyped-errors'),
      /batchSize 0: expected an error with code 'INVALID_OPTION'.*got Error \(code undefined\): bad batchSize 0/,
    );
    await expectCaught(
      checkMethodOptionErrors,
      masksSubject(),
      masksSubject('unchecked-samples'),
      /The bad options \{ samples: 0 \}: attribute\(model, input, \{ samples: 0 \}\) resolved/,
    );
  });

  it('a forward-only method that never checks the targets against the classes', async () => {
    await expectCaught(
      checkMethodTargetErrors,
      masksSubject(),
      masksSubject('unchecked-targets'),
      /Target class 3 of a 3-class model: .*resolved instead of rejecting with code 'INVALID_TARGET'/,
    );
  });

  it('errors rewrapped as plain Errors', async () => {
    const plain = (inner: Method): Method => ({
      ...inner,
      attribute: (model, input, options) =>
        inner.attribute(model, input, options).catch((e: Error) => {
          throw new Error(e.message);
        }),
    });
    const sick = { ...gradientSubject(), method: plain(gradientTimesInput()) };
    await expectCaught(
      checkMethodInputErrors,
      gradientSubject(),
      sick,
      /An input with an extra dimension: expected an error with code 'INVALID_SHAPE'.*got Error \(code undefined\)/,
    );
    await expectCaught(checkMethodTargetErrors, gradientSubject(), sick, /INVALID_TARGET/);
  });

  it('a method that calls the model before checking its capabilities', async () => {
    await expectCaught(
      checkMethodCapabilities,
      gradientSubject(),
      gradientSubject('no-capability-check'),
      /lacks 'inputGradients', the method called the model \d+ time\(s\) before rejecting/,
    );
  });

  it('a method that does not pass the signal on', async () => {
    await expectCaught(
      checkMethodAbort,
      masksSubject(),
      masksSubject('ignores-signal'),
      /aborted before the call: .*resolved instead of rejecting with code 'ABORTED'|answered \d+ call/,
    );
  });

  it('a method that stops only at the end', async () => {
    // Passes the signal to the model, which here cannot interrupt, but never checks it between calls.
    const late: Method<MaskOptions> = {
      ...randomMasks(),
      async attribute(model, input, options = {}) {
        const { signal, ...rest } = options;
        const a = await randomMasks().attribute(model, input, rest);
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORTED' });
        return a;
      },
    };
    await expectCaught(checkMethodAbort, masksSubject(), { ...masksSubject(), method: late }, /answered \d+ call\(s\) made without the signal|made \d+ more model call\(s\)/);
  });

  it('progress that reports the start of each batch', async () => {
    await expectCaught(checkMethodProgress, masksSubject(), masksSubject('progress-from-start'), /The last onProgress report is 35 of 36/);
  });

  it("a method that writes into the caller's input", async () => {
    await expectCaught(checkMethodNoMutation, masksSubject(), masksSubject('mutates-input'), /a call with the default target changed the caller's input/);
  });

  it('a method that leaks', async () => {
    await expectCaught(
      checkMethodNoLeaks,
      masksSubject(),
      masksSubject('leaks'),
      /liveTensors\(\) changed across calls of the method:\n {2}a call with the default target \(answered\): \d+ -> \d+/,
    );
  });

  it('a method that disposes the model it was given', async () => {
    await expectCaught(checkMethodOutput, gradientSubject(), gradientSubject('disposes-model'), /disposed the model it was given/);
  });

  it('a plugin built against another major of core', async () => {
    const old = { ...masksSubject(), method: { ...randomMasks(), plugin: { name: '@acme/old-masks', coreVersion: '0.0.1' } } };
    const current = { ...masksSubject(), method: { ...randomMasks(), plugin: { name: '@acme/masks', coreVersion: CORE_VERSION } } };
    await expectCaught(checkMethodDescription, current, old, /@acme\/old-masks was built against @salience\/core 0\.0\.1/);
  });

  it('a subject whose model cannot run the method', async () => {
    await expect(checkMethodDescription({ ...gradientSubject(), model: createForwardOnlyModel() })).rejects.toThrow(
      /does not provide inputGradients, which 'gradient-times-input' requires/,
    );
    await expect(checkMethodDescription({ ...gradientSubject(), input: randomInput([1, 6], 1) })).rejects.toThrow(/at least 2/);
  });
});

describe('planMethodConformance', () => {
  it('registers every group, and says what it left out', async () => {
    const plan = await planMethodConformance({ method: gradientTimesInput(), model: createTabularModel({ classes: 1 }), input: tabularInput() });
    expect(plan.groups.map((g) => g.name)).toEqual(['interface', 'targets', 'batching and determinism', 'errors', 'context', 'progress', 'inputs']);
    expect(plan.notRegistered.join('\n')).toMatch(/multi-target: the model has a single class[\s\S]*no badOptions given[\s\S]*leaks: no liveTensors given/);
    const full = await planMethodConformance(masksSubject());
    expect(full.groups.map((g) => g.name)).toContain('leaks');
    expect(full.groups.flatMap((g) => g.checks.map((c) => c.name))).toContain('gives other maps for another seed');
  });
});
