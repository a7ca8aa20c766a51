import {
  AbortError,
  type Attribution,
  checkInput,
  defaultBatchSize,
  GRADIENT_OUTPUTS,
  logitsInBatches,
  type Model,
  rowSize,
  type TensorData,
  throwIfAborted,
} from '@salience/core';
import { CliError } from '../cli-error.js';
import { describeFailure } from '../failure.js';
import { readBaselineFile } from '../inputs/baseline-file.js';
import { readClassNames } from '../inputs/class-names.js';
import { readContextFiles } from '../inputs/context-files.js';
import { nonFiniteRows } from '../inputs/finite.js';
import { readInputs } from '../inputs/inputs.js';
import { prepareInput } from '../inputs/model-input.js';
import { checkReadPaths } from '../inputs/preflight.js';
import { withLrpBounds } from '../methods/backprop-family.js';
import { chooseMethods, methodSkipReason } from '../methods/method-choice.js';
import { type BaselineFlag, DEFAULT_METHODS, type MethodFlags, type MethodName } from '../methods/methods.js';
import { parseTarget } from '../methods/option-values.js';
import { clampWindow } from '../methods/window-clamp.js';
import { BUILTIN_LABELS, builtinModelFor, builtinSamples } from '../models/builtin.js';
import { checkDeclaredLayout } from '../models/layout-check.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';
import { loadModelFile } from '../models/model-file.js';
import { formatDuration } from '../outputs/duration.js';
import { createProgress, type Progress } from '../outputs/progress.js';
import { checkOutputFolder, type OutputFolderOptions, stageOutput } from '../outputs/staged-output.js';
import { type ExplainSummary, type MethodRun, type OutputJob, writeOutputs } from './explain-outputs.js';
import type { ExplainRequest } from './settings.js';

/** Seams for tests and embedders: how models load, where progress and notes go. */
export interface ExplainDependencies {
  readonly loadModel?: ModelLoader;
  readonly progress?: Progress;
  /** Notes that do not stop the run (a method skipped...). */
  readonly note?: (message: string) => void;
}

function logitsOf(
  model: Model,
  input: TensorData,
  batchSize: number | undefined,
  signal: AbortSignal | undefined,
  context: Readonly<Record<string, TensorData>> | undefined,
): Promise<TensorData> {
  return logitsInBatches(model, input, batchSize ?? defaultBatchSize(rowSize(input)), signal, context);
}

function isSkippable(error: unknown): boolean {
  const { code } = describeFailure(error);
  return code === 'MISSING_CAPABILITY' || code === 'NO_GRADIENTS' || code === 'UNSUPPORTED_OP';
}

function isAbort(error: unknown): boolean {
  return describeFailure(error).code === 'ABORTED';
}

/** Non-finite values are an error (exit 12) unless the user allows them; then a note. */
function nonFinite(message: string, allowed: boolean | undefined, note: (message: string) => void): void {
  if (!allowed) throw new CliError('nonFinite', `${message} Check the input's scale and preprocessing, or give --allow-nonfinite to write the results anyway.`);
  note(message);
}

const exampleList = (rows: readonly number[], names: readonly string[]) =>
  `${rows
    .slice(0, 5)
    .map((r) => names[r] ?? `#${r}`)
    .join(', ')}${rows.length > 5 ? ` and ${rows.length - 5} more` : ''}`;

/**
 * Runs `salience explain`: checks every path, loads the model and inputs, runs each method with
 * a progress bar, and writes `<method>.npy` (raw values in the input's layout), overlays,
 * `grid.png`, `report.html`, `summary.json` and a manifest into `request.out`, all at once when
 * everything succeeded. When interrupted after some methods finished, their raw values and a
 * summary are written (no overlays or report), and it fails with exit status 130.
 */
export async function explain(request: ExplainRequest, dependencies: ExplainDependencies = {}): Promise<ExplainSummary> {
  const started = performance.now();
  const { signal } = request;
  const note = dependencies.note ?? (() => {});
  const progress = dependencies.progress ?? createProgress('silent', { write: () => true });
  const builtin = request.model === undefined;
  const explicitMethods = request.methods !== undefined && request.methods.length > 0;
  const specs = chooseMethods(request.methods, request.flags, { baselineFile: request.baselineFile, defaults: DEFAULT_METHODS });
  if (request.context !== undefined && builtin) throw new CliError('usage', '--context feeds other inputs of an ONNX model; the built-in model has one input.');

  if (request.inputs.length === 0 && !builtin) throw new CliError('usage', 'Give the inputs to explain with --input (images, a folder of images, or a .npy tensor).');

  // Every path, before any work: the files read, then the output folder.
  await checkReadPaths([
    ...request.inputs.map((path) => ({ path, what: 'the input', kind: 'inputFile' as const, folder: true })),
    ...(request.labels !== undefined ? [{ path: request.labels, what: 'the --labels file', kind: 'inputFile' as const }] : []),
    ...(request.baselineFile !== undefined ? [{ path: request.baselineFile, what: 'the --baseline file', kind: 'inputFile' as const }] : []),
    ...Object.entries(request.context ?? {}).map(([name, path]) => ({ path, what: `--context ${name}=`, kind: 'inputFile' as const })),
    ...(request.model !== undefined && !dependencies.loadModel ? [{ path: request.model, what: 'the model', kind: 'modelFile' as const, folder: true }] : []),
  ]);
  const folderOptions = { overwrite: request.overwrite, command: 'explain', reserved: [...OUTPUT_NAMES, ...specs.map((s) => `${s.name}.npy`)] };
  await checkOutputFolder(request.out, folderOptions);

  const classNames = await readClassNames(request.labels ?? (builtin ? BUILTIN_LABELS : undefined));
  const targetText = request.target ?? 'predicted';
  const target = parseTarget(targetText, classNames);

  let inputPaths = request.inputs;
  let labels: (number | undefined)[] | undefined;
  if (inputPaths.length === 0) {
    if (!builtin) throw new CliError('usage', 'Give the inputs to explain with --input (images, a folder of images, or a .npy tensor).');
    const samples = await builtinSamples();
    inputPaths = samples.map((s) => s.file);
    labels = samples.map((s) => s.label);
  }
  const inputs = await readInputs(inputPaths, labels, { maxPixels: request.maxPixels });
  const context = await readContextFiles(request.context, inputs.examples.length);
  throwIfAborted(signal);

  const loader = dependencies.loadModel ?? loadModelFile;
  const modelPath = request.model ?? builtinModelFor(specs);
  const loaded: LoadedModel = await loader(modelPath, { backend: request.backend ?? 'wasm', layout: request.layout, signal, inputName: request.inputName });
  try {
    const { model } = loaded;
    checkDeclaredLayout(request.layout, model.inputShape);
    const { tensor, images, preprocessing } = prepareInput(model, inputs, request.preprocessing ?? {});
    checkInput(model, tensor);
    let flags: MethodFlags = request.flags ?? {};
    if (request.baselineFile !== undefined) flags = { ...flags, baseline: (await readBaselineFile(request.baselineFile)) as BaselineFlag };
    if (specs.some((s) => s.name === 'occlusion')) {
      const clamped = clampWindow(flags, tensor.shape.slice(1), model.layout);
      flags = clamped.flags;
      for (const message of clamped.notes) note(message);
    }
    // LRP's z-box bounds that the user did not give, from this input's preprocessing.
    const bounded = withLrpBounds(flags, preprocessing);
    flags = bounded.flags;
    if (bounded.note) note(bounded.note);
    const tokenGradients = model.layout === 'tokens' ? specs.filter((s) => s.requires.some((o) => GRADIENT_OUTPUTS.includes(o))) : [];
    if (tokenGradients.length > 0 && explicitMethods) throw new CliError('noGradients', tokenIdsHaveNoGradient(tokenGradients.map((s) => s.name)));
    const configured = specs.filter((spec) => !tokenGradients.includes(spec)).map((spec) => ({ spec, configured: spec.configure(flags) }));
    const names = inputs.examples.map((e) => e.name);

    const logits = await logitsOf(model, tensor, request.batchSize, signal, context);
    const classes = logits.shape[1];
    const badLogits = nonFiniteRows(logits);
    if (badLogits.length > 0) {
      nonFinite(`The model gave NaN or infinite logits for ${badLogits.length} of ${names.length} example(s): ${exampleList(badLogits, names)}.`, request.allowNonfinite, note);
    }
    if (classNames && classNames.length !== classes) {
      note(`--labels names ${classNames.length} classes but the model has ${classes}; names are matched by index.`);
    }

    const runs: MethodRun[] = [];
    const skipped: { method: MethodName; reason: string }[] = tokenGradients.map((s) => ({
      method: s.name,
      reason: 'token ids have no gradient (give --text and --tokenizer for the gradient methods)',
    }));
    for (const s of skipped) note(`Skipped ${s.method}: ${s.reason}.`);
    let interrupted: { error: unknown; method?: MethodName } | undefined;
    for (const { spec, configured: c } of configured) {
      if (signal?.aborted) {
        interrupted = { error: new AbortError(signal.reason) };
        break;
      }
      const skip = methodSkipReason(spec, loaded, model, explicitMethods);
      if (skip) {
        skipped.push({ method: spec.name, reason: skip });
        note(`Skipped ${spec.name}: ${skip}${skip.endsWith('.') ? '' : '.'}`);
        continue;
      }
      const bar = progress.start(spec.name);
      const t0 = performance.now();
      let attribution: Attribution;
      try {
        attribution = await c.method.attribute(model, tensor, {
          ...c.options,
          target,
          objective: request.objective,
          batchSize: request.batchSize,
          seed: request.seed,
          ...(request.limits ? { limits: request.limits } : {}),
          signal,
          ...(context ? { context } : {}),
          onProgress: (done: number, total: number) => bar.update(done, total),
        });
      } catch (error) {
        bar.fail(isAbort(error) ? 'interrupted' : 'failed');
        if (isAbort(error)) {
          interrupted = { error, method: spec.name };
          break;
        }
        if (!explicitMethods && isSkippable(error)) {
          const reason = describeFailure(error).message;
          skipped.push({ method: spec.name, reason });
          note(`Skipped ${spec.name}: ${reason}`);
          continue;
        }
        throw error;
      }
      const timeMs = performance.now() - t0;
      const calls = attribution.meta.modelCalls;
      bar.finish(`${attribution.values.shape[0]} maps in ${formatDuration(timeMs)}${typeof calls === 'number' ? `, ${calls} model call${calls === 1 ? '' : 's'}` : ''}`);
      const badRows = nonFiniteRows(attribution.values);
      if (badRows.length > 0) {
        const examples = [...new Set(badRows.map((r) => attribution.examples[r]!))];
        nonFinite(
          `${spec.name} gave NaN or infinite values in ${badRows.length} of ${attribution.values.shape[0]} map(s), for example(s) ${exampleList(examples, names)}.`,
          request.allowNonfinite,
          note,
        );
      }
      runs.push({ spec, configured: c, attribution, timeMs });
    }
    if (!interrupted && signal?.aborted) interrupted = { error: new AbortError(signal.reason) };

    const job = { request, builtin, loaded, modelPath, inputs, tensor, images, preprocessing, logits, classNames, targetText, runs, skipped, started, context };
    if (interrupted) {
      if (runs.length === 0) throw interrupted.error;
      await writePartial(job, folderOptions, interrupted.error);
    }

    const stage = await stageOutput(request.out, folderOptions);
    let summary: ExplainSummary;
    try {
      summary = await writeOutputs(stage.dir, stage.target, { ...job, signal });
      throwIfAborted(signal);
      await stage.commit();
    } catch (error) {
      await stage.discard();
      // Interrupted while writing: the finished methods' raw values are kept all the same.
      if (isAbort(error)) await writePartial(job, folderOptions, error);
      throw error;
    }
    return summary;
  } finally {
    loaded.dispose();
  }
}

/**
 * Gradient methods on a token-id input: ids are integers, so the gradient is taken at the
 * embeddings, which only the text path (it knows the tokenizer) sets up.
 */
function tokenIdsHaveNoGradient(methods: readonly MethodName[]): string {
  const list = methods.map((m) => `--method ${m}`).join(' and ');
  return (
    `${list} cannot run on token ids from --input: ids have no gradient, so the gradient methods differentiate the token embeddings, which needs the tokenizer. ` +
    'Give the texts instead: `salience explain --model model.onnx --tokenizer tokenizer.json --text "..."` (or --texts FILE), or `salience explain --model DIR --text "..."` for a transformers.js / Optimum folder; ' +
    'there the methods are gradient, grad-x-embedding, ig, ig-mask and occlusion. On token ids without a tokenizer only --method occlusion runs.'
  );
}

/** Files and folders `explain` may write besides `<method>.npy`. */
const OUTPUT_NAMES = ['summary.json', 'report.html', 'grid.png', 'input.npy', 'overlays', 'figures'];

/**
 * After an interrupt: the finished methods' raw values and the summary, quickly (no overlays or
 * report, and no signal checks: this is what the interrupt keeps). Always throws the interrupt.
 */
async function writePartial(job: Omit<OutputJob, 'signal' | 'partial'>, folderOptions: OutputFolderOptions, cause: unknown): Promise<never> {
  const stage = await stageOutput(job.request.out, folderOptions);
  try {
    await writeOutputs(stage.dir, stage.target, { ...job, partial: true });
    await stage.commit();
  } catch (error) {
    await stage.discard();
    throw error;
  }
  const kept = job.runs.map((r) => `${r.spec.name}.npy`).join(', ');
  throw new CliError(
    'aborted',
    `Interrupted: kept the finished methods' raw values in ${job.request.out} (${kept} and summary.json; no overlays or report). Run the command again for everything.`,
    { cause },
  );
}
