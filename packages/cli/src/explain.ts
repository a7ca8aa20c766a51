import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Attribution,
  checkInput,
  defaultBatchSize,
  type Layout,
  logitsInBatches,
  type Model,
  type Objective,
  rowSize,
  type TensorData,
  throwIfAborted,
} from '@salience/core';
import { encodePng, htmlReport, type ReportMethod, type RgbaImage } from '@salience/render';
import { readBaselineFile } from './baseline-file.js';
import { BUILTIN_LABELS, BUILTIN_MODEL, builtinFacts, builtinSamples } from './builtin.js';
import { readClassNames } from './class-names.js';
import { CliError } from './cli-error.js';
import { formatDuration } from './duration.js';
import { describeFailure } from './failure.js';
import { fileStems } from './file-stems.js';
import type { PreprocessingFlags } from './image-input.js';
import { type Inputs, readInputs } from './inputs.js';
import { jsonable } from './jsonable.js';
import { withLayerAlias } from './layer-alias.js';
import type { LoadedModel, ModelLoader } from './loaded-model.js';
import { chooseMethods, methodSkipReason } from './method-choice.js';
import {
  type BaselineFlag,
  type ConfiguredMethod,
  layoutInInputLayout,
  METHOD_NAMES,
  type MethodFlags,
  type MethodName,
  type MethodSpec,
  valuesInInputLayout,
} from './methods.js';
import { loadModelFile } from './model-file.js';
import { prepareInput } from './model-input.js';
import { writeNpy } from './npy.js';
import { parseTarget } from './option-values.js';
import { enlarge, overlayGrid, overlayImages } from './pictures.js';
import type { Preprocessing } from './preprocessing.js';
import { createProgress, type Progress } from './progress.js';
import { SUMMARY_FILE, stageOutput } from './staged-output.js';
import type { BackendName } from './tfjs-runtime.js';
import { packageVersion } from './version.js';

/** Everything `salience explain` was asked to do, parsed and checked by the command line. */
export interface ExplainRequest {
  /** A .onnx file or a tfjs model.json; absent: the built-in Fashion-MNIST model. */
  readonly model?: string;
  /** Images, folders of images, or .npy tensors; empty: the built-in samples (built-in model only). */
  readonly inputs: readonly string[];
  /** Absent: every method (those the model cannot run are skipped with a note). */
  readonly methods?: readonly MethodName[];
  readonly flags?: MethodFlags;
  /** A .npy file for --baseline, read once the input's layout is known. */
  readonly baselineFile?: string;
  /** The --target text: 'predicted', 'top3', '3', '3,1,4', 'classes:3,5'; default 'predicted'. */
  readonly target?: string;
  readonly objective?: Objective;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly preprocessing?: PreprocessingFlags;
  /** The model's input layout, when it cannot be inferred. */
  readonly layout?: Layout;
  /** Class names: one per line, or a JSON array. */
  readonly labels?: string;
  readonly out: string;
  readonly backend?: BackendName;
  /** Write overlay PNGs and the grid (default true). */
  readonly overlays?: boolean;
  readonly signal?: AbortSignal;
}

/** Seams for tests and embedders: how models load, where progress and notes go. */
export interface ExplainDependencies {
  readonly loadModel?: ModelLoader;
  readonly progress?: Progress;
  /** Notes that do not stop the run (a method skipped...). */
  readonly note?: (message: string) => void;
}

export interface ExampleSummary {
  readonly name: string;
  readonly file: string;
  readonly label: number | null;
  readonly predicted: number;
  readonly probability: number;
}

export interface MethodSummary {
  /** The --method name, also the stem of its .npy file. */
  readonly name: MethodName;
  /** The library method's id. */
  readonly id: string;
  /** The raw values, relative to the output folder. */
  readonly file: string;
  readonly shape: readonly number[];
  readonly layout: string;
  /** Input row (example) that each map explains. */
  readonly examples: readonly number[];
  /** Class that each map explains. */
  readonly targets: readonly number[];
  readonly timeMs: number;
  readonly modelCalls: number | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly meta: unknown;
  /** Overlay PNGs, one per map, relative to the output folder. */
  readonly overlays: readonly string[];
}

/** What `--json` prints and `summary.json` holds. */
export interface ExplainSummary {
  readonly tool: 'salience';
  readonly version: string;
  readonly ok: true;
  /** The output folder, absolute. */
  readonly out: string;
  /** Files relative to `out`. */
  readonly report: string;
  readonly grid: string | null;
  readonly model: {
    readonly path: string;
    readonly builtin: boolean;
    readonly format: string;
    readonly runtime: string;
    readonly layout: Layout;
    readonly inputShape: readonly (number | null)[];
    readonly classes: number;
  };
  readonly input: {
    readonly kind: Inputs['kind'];
    readonly shape: readonly number[];
    /** The preprocessed images as fed to the model (image inputs only). */
    readonly file: string | null;
    readonly preprocessing: Preprocessing | null;
  };
  readonly target: string;
  readonly examples: readonly ExampleSummary[];
  readonly methods: readonly MethodSummary[];
  readonly skipped: readonly { readonly method: MethodName; readonly reason: string }[];
  readonly timeMs: number;
}

function logitsOf(model: Model, input: TensorData, batchSize: number | undefined, signal?: AbortSignal): Promise<TensorData> {
  return logitsInBatches(model, input, batchSize ?? defaultBatchSize(rowSize(input)), signal);
}

function softmaxRow(logits: TensorData, row: number): Float64Array {
  const classes = logits.shape[1];
  const values = Float64Array.from(logits.data.subarray(row * classes, (row + 1) * classes));
  const max = Math.max(...values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] = Math.exp(values[i] - max);
  return values.map((v) => v / sum);
}

function isSkippable(error: unknown): boolean {
  const { code } = describeFailure(error);
  return code === 'MISSING_CAPABILITY' || code === 'NO_GRADIENTS' || code === 'UNSUPPORTED_OP';
}

/** Attribution layouts that can be drawn over the input. */
const IMAGE_LAYOUTS = new Set(['NCHW', 'NHWC', 'NHW']);

interface MethodRun {
  readonly spec: MethodSpec;
  readonly configured: ConfiguredMethod;
  readonly attribution: Attribution;
  readonly timeMs: number;
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
    const model = withLayerAlias(loaded, request.flags?.layer);
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

/** The report lists meta as parameters; a wrapped method's whole meta is summarised by its id. */
function forReport(attribution: Attribution): Attribution {
  const inner = attribution.meta.inner as { id?: unknown } | undefined;
  if (!inner || typeof inner !== 'object') return attribution;
  return { ...attribution, meta: { ...attribution.meta, inner: String(inner.id ?? 'method') } };
}

interface OutputJob {
  readonly request: ExplainRequest;
  readonly builtin: boolean;
  readonly loaded: LoadedModel;
  readonly modelPath: string;
  readonly inputs: Inputs;
  readonly tensor: TensorData;
  readonly images: readonly (RgbaImage | undefined)[];
  readonly preprocessing: Preprocessing | null;
  readonly logits: TensorData;
  readonly classNames: readonly string[] | undefined;
  readonly targetText: string;
  readonly runs: readonly MethodRun[];
  readonly skipped: readonly { readonly method: MethodName; readonly reason: string }[];
  readonly started: number;
}

async function writeOutputs(dir: string, target: string, job: OutputJob): Promise<ExplainSummary> {
  const { model } = job.loaded;
  const examples = job.inputs.examples;
  const stems = fileStems(examples.map((e) => e.name));
  const className = (c: number) => job.classNames?.[c] ?? `class ${c}`;
  const drawOverlays = job.request.overlays ?? true;
  const bases = job.images.map((image) => (image ? enlarge(image) : undefined));

  const exampleSummaries: ExampleSummary[] = examples.map((example, i) => {
    const probabilities = softmaxRow(job.logits, i);
    let predicted = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[predicted]) predicted = c;
    return { name: example.name, file: example.file, label: example.label ?? null, predicted, probability: probabilities[predicted] };
  });

  const methodSummaries: MethodSummary[] = [];
  const overlaysByMethod: { name: string; attribution: Attribution; overlays: (RgbaImage | undefined)[] }[] = [];
  for (const run of job.runs) {
    const { attribution, spec, configured } = run;
    const file = `${spec.name}.npy`;
    await writeFile(join(dir, file), writeNpy(valuesInInputLayout(attribution, model.layout)));
    const overlayFiles: string[] = [];
    let overlays: (RgbaImage | undefined)[] = [];
    if (drawOverlays && IMAGE_LAYOUTS.has(attribution.layout) && bases.some((b) => b !== undefined)) {
      overlays = overlayImages(attribution, configured.display, bases);
      const perExample = new Map<number, number>();
      for (const e of attribution.examples) perExample.set(e, (perExample.get(e) ?? 0) + 1);
      const folder = join('overlays', spec.name);
      for (let r = 0; r < overlays.length; r++) {
        const image = overlays[r];
        if (!image) continue;
        const e = attribution.examples[r];
        const name = perExample.get(e)! > 1 ? `${stems[e]}.class-${attribution.targets[r]}.png` : `${stems[e]}.png`;
        await mkdir(join(dir, folder), { recursive: true });
        await writeFile(join(dir, folder, name), encodePng(image));
        overlayFiles.push(join(folder, name));
      }
    }
    overlaysByMethod.push({ name: spec.name, attribution, overlays });
    methodSummaries.push({
      name: spec.name,
      id: attribution.method,
      file,
      shape: valuesInInputLayout(attribution, model.layout).shape,
      layout: layoutInInputLayout(attribution, model.layout),
      examples: Array.from(attribution.examples),
      targets: Array.from(attribution.targets),
      timeMs: Math.round(run.timeMs * 10) / 10,
      modelCalls: typeof attribution.meta.modelCalls === 'number' ? attribution.meta.modelCalls : null,
      options: jsonable(configured.options) as Record<string, unknown>,
      meta: jsonable(attribution.meta),
      overlays: overlayFiles,
    });
  }

  let gridFile: string | null = null;
  if (drawOverlays && overlaysByMethod.length > 0) {
    // One row per (example, target) of the first method; the other methods' maps for the same pair beside it.
    const first = overlaysByMethod[0].attribution;
    const rows = Array.from(first.examples, (example, r) => ({ example, target: first.targets[r] }));
    const sheet = overlayGrid(
      bases,
      rows.map((row) => ({ example: row.example, label: `${stems[row.example]} -> ${className(row.target)}` })),
      overlaysByMethod.map((m) => ({
        title: m.name,
        overlays: rows.map((row) => {
          const r = m.attribution.examples.findIndex((e, i) => e === row.example && m.attribution.targets[i] === row.target);
          return r >= 0 ? m.overlays[r] : undefined;
        }),
      })),
    );
    if (sheet) {
      gridFile = 'grid.png';
      await writeFile(join(dir, gridFile), encodePng(sheet));
    }
  }

  let inputFile: string | null = null;
  if (job.inputs.kind === 'images') {
    inputFile = 'input.npy';
    await writeFile(join(dir, inputFile), writeNpy(job.tensor));
  }

  const facts = job.builtin ? await builtinFacts() : undefined;
  const modelText = facts
    ? `built-in Fashion-MNIST CNN (${facts.parameters} parameters, test accuracy ${(facts.testAccuracy * 100).toFixed(1)}%)`
    : job.modelPath;
  const methods: ReportMethod[] = job.runs.map((run) => ({
    attribution: forReport(run.attribution),
    name: run.spec.title,
    description: run.configured.description,
    timeMs: run.timeMs,
    display: run.configured.display,
  }));
  const html = htmlReport({
    title: 'salience explain',
    subtitle: modelText,
    info: {
      model: job.builtin ? 'built-in (Fashion-MNIST)' : job.modelPath,
      format: job.loaded.format,
      runtime: job.loaded.runtime,
      input: `${job.inputs.kind === 'images' ? 'images' : '.npy'} [${job.tensor.shape.join(', ')}] ${model.layout}`,
      target: job.targetText,
      objective: typeof job.request.objective === 'string' ? job.request.objective : 'logit',
      ...(job.skipped.length > 0 ? { skipped: job.skipped.map((s) => s.method).join(', ') } : {}),
    },
    classNames: job.classNames,
    examples: examples.map((example, i) => ({
      image: job.images[i],
      name: example.name,
      label: example.label,
      logits: job.logits.data.subarray(i * job.logits.shape[1], (i + 1) * job.logits.shape[1]),
    })),
    methods,
    imageSize: 168,
  });
  await writeFile(join(dir, 'report.html'), html, 'utf8');

  const summary: ExplainSummary = {
    tool: 'salience',
    version: await packageVersion(),
    ok: true,
    out: target,
    report: 'report.html',
    grid: gridFile,
    model: {
      path: job.modelPath,
      builtin: job.builtin,
      format: job.loaded.format,
      runtime: job.loaded.runtime,
      layout: model.layout,
      inputShape: model.inputShape,
      classes: job.logits.shape[1],
    },
    input: { kind: job.inputs.kind, shape: job.tensor.shape, file: inputFile, preprocessing: job.preprocessing },
    target: job.targetText,
    examples: exampleSummaries,
    methods: methodSummaries,
    skipped: job.skipped,
    timeMs: Math.round(performance.now() - job.started),
  };
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
  return summary;
}
