
import {
  checkInput,
  defaultBatchSize,
  logitsInBatches,
  type Model,
  rowSize,
  type TensorData,
  throwIfAborted,
} from '@salience/core';
import { readBaselineFile } from '../inputs/baseline-file.js';
import { BUILTIN_LABELS, BUILTIN_MODEL, builtinSamples } from '../models/builtin.js';
import { readClassNames } from '../inputs/class-names.js';
import { CliError } from '../cli-error.js';
import { formatDuration } from '../outputs/duration.js';
import { describeFailure } from '../failure.js';
import { readInputs } from '../inputs/inputs.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';
import { chooseMethods, methodSkipReason } from '../methods/method-choice.js';
import {
  type BaselineFlag,
  METHOD_NAMES,
  type MethodFlags,
  type MethodName,
} from '../methods/methods.js';
import { loadModelFile } from '../models/model-file.js';
import { prepareInput } from '../inputs/model-input.js';
import { parseTarget } from '../methods/option-values.js';
import { createProgress, type Progress } from '../outputs/progress.js';
import { stageOutput } from '../outputs/staged-output.js';
import { type ExplainSummary, type MethodRun, writeOutputs } from './explain-outputs.js';
import type { ExplainRequest } from './settings.js';

/** Seams for tests and embedders: how models load, where progress and notes go. */
export interface ExplainDependencies {
  readonly loadModel?: ModelLoader;
  readonly progress?: Progress;
  /** Notes that do not stop the run (a method skipped...). */
  readonly note?: (message: string) => void;
}

function logitsOf(model: Model, input: TensorData, batchSize: number | undefined, signal?: AbortSignal): Promise<TensorData> {
  return logitsInBatches(model, input, batchSize ?? defaultBatchSize(rowSize(input)), signal);
}

function isSkippable(error: unknown): boolean {
  const { code } = describeFailure(error);
  return code === 'MISSING_CAPABILITY' || code === 'NO_GRADIENTS' || code === 'UNSUPPORTED_OP';
}

/**
 * Runs `salience explain`: loads the model and inputs, runs each method with a progress bar,
 * and writes `<method>.npy` (raw values in the input's layout), overlays, `grid.png`,
 * `report.html` and `summary.json` into `request.out`, all at once when everything succeeded.
 */
export async function explain(request: ExplainRequest, dependencies: ExplainDependencies = {}): Promise<ExplainSummary> {
  const started = performance.now();
  const { signal } = request;
  const note = dependencies.note ?? (() => {});
  const progress = dependencies.progress ?? createProgress('silent', { write: () => true });
  const builtin = request.model === undefined;
  const explicitMethods = request.methods !== undefined && request.methods.length > 0;
  const specs = chooseMethods(request.methods, request.flags, { baselineFile: request.baselineFile, defaults: METHOD_NAMES });

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
  const inputs = await readInputs(inputPaths, labels);
  throwIfAborted(signal);

  const loader = dependencies.loadModel ?? loadModelFile;
  const modelPath = request.model ?? BUILTIN_MODEL;
  const loaded: LoadedModel = await loader(modelPath, { backend: request.backend ?? 'wasm', layout: request.layout, signal });
  try {
    const { model } = loaded;
    const { tensor, images, preprocessing } = prepareInput(model, inputs, request.preprocessing ?? {});
    checkInput(model, tensor);
    let flags: MethodFlags = request.flags ?? {};
    if (request.baselineFile !== undefined) flags = { ...flags, baseline: (await readBaselineFile(request.baselineFile)) as BaselineFlag };
    const configured = specs.map((spec) => ({ spec, configured: spec.configure(flags) }));

    const logits = await logitsOf(model, tensor, request.batchSize, signal);
    const classes = logits.shape[1];
    if (classNames && classNames.length !== classes) {
      note(`--labels names ${classNames.length} classes but the model has ${classes}; names are matched by index.`);
    }

    const runs: MethodRun[] = [];
    const skipped: { method: MethodName; reason: string }[] = [];
    for (const { spec, configured: c } of configured) {
      const skip = methodSkipReason(spec, loaded, model, explicitMethods);
      if (skip) {
        skipped.push({ method: spec.name, reason: skip });
        note(`Skipped ${spec.name}: ${skip}${skip.endsWith('.') ? '' : '.'}`);
        continue;
      }
      const bar = progress.start(spec.name);
      const t0 = performance.now();
      try {
        const attribution = await c.method.attribute(model, tensor, {
          ...c.options,
          target,
          objective: request.objective,
          batchSize: request.batchSize,
          seed: request.seed,
          signal,
          onProgress: (done: number, total: number) => bar.update(done, total),
        });
        const timeMs = performance.now() - t0;
        const calls = attribution.meta.modelCalls;
        bar.finish(`${attribution.values.shape[0]} maps in ${formatDuration(timeMs)}${typeof calls === 'number' ? `, ${calls} model call${calls === 1 ? '' : 's'}` : ''}`);
        runs.push({ spec, configured: c, attribution, timeMs });
      } catch (error) {
        bar.fail();
        if (!explicitMethods && isSkippable(error)) {
          const reason = describeFailure(error).message;
          skipped.push({ method: spec.name, reason });
          note(`Skipped ${spec.name}: ${reason}`);
          continue;
        }
        throw error;
      }
    }
    throwIfAborted(signal);

    const stage = await stageOutput(request.out);
    try {
      const summary = await writeOutputs(stage.dir, stage.target, {
        request,
        builtin,
        loaded,
        modelPath,
        inputs,
        tensor,
        images,
        preprocessing,
        logits,
        classNames,
        targetText,
        runs,
        skipped,
        started,
      });
      throwIfAborted(signal);
      await stage.commit();
      return summary;
    } catch (error) {
      await stage.discard();
      throw error;
    }
  } finally {
    loaded.dispose();
  }
}

