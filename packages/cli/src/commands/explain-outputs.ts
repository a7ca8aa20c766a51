import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Attribution, type TensorData, throwIfAborted } from '@salience/core';
import { encodePng, htmlReport, type ReportMethod, type RgbaImage } from '@salience/render';
import type { Inputs } from '../inputs/inputs.js';
import { writeNpy } from '../inputs/npy.js';
import { describePreprocessing, type Preprocessing } from '../inputs/preprocessing.js';
import { chosenKeys } from '../methods/chosen-options.js';
import { type ConfiguredMethod, layoutInInputLayout, type MethodName, type MethodSpec, valuesInInputLayout } from '../methods/methods.js';
import { builtinFacts } from '../models/builtin.js';
import { type LoadedModel, type ModelSummary, modelSummary } from '../models/loaded-model.js';
import { figureImages, writeFigures, writeRowImages } from '../outputs/figures.js';
import { fileStems } from '../outputs/file-stems.js';
import { jsonable } from '../outputs/jsonable.js';
import { enlarge, legendCells, overlayGrid, overlayImages } from '../outputs/pictures.js';
import { SUMMARY_FILE } from '../outputs/staged-output.js';
import { packageVersion } from '../version.js';
import type { ExplainRequest } from './settings.js';

export interface ExampleSummary {
  readonly name: string;
  readonly file: string;
  readonly label: number | null;
  readonly predicted: number;
  readonly probability: number;
}

export interface ExplainMethodSummary {
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
  /** Captum-style figures (original | heat map | blended, colorbar, title), one per map. */
  readonly figures: readonly string[];
}

/** What `--json` prints and `summary.json` holds. */
export interface ExplainSummary {
  readonly tool: 'salience';
  readonly version: string;
  readonly ok: true;
  /** Present when the run was interrupted: only the finished methods' raw values were written. */
  readonly interrupted?: true;
  /** The output folder, absolute. */
  readonly out: string;
  /** Files relative to `out`. */
  /** Null when an interrupt kept only the raw values. */
  readonly report: string | null;
  readonly grid: string | null;
  readonly model: ModelSummary & { readonly classes: number };
  readonly input: {
    readonly kind: Inputs['kind'];
    readonly shape: readonly number[];
    /** The preprocessed images as fed to the model (image inputs only). */
    readonly file: string | null;
    readonly preprocessing: Preprocessing | null;
  };
  readonly target: string;
  readonly examples: readonly ExampleSummary[];
  readonly methods: readonly ExplainMethodSummary[];
  readonly skipped: readonly { readonly method: MethodName; readonly reason: string }[];
  readonly timeMs: number;
}

/** Attribution layouts that can be drawn over the input. */
const IMAGE_LAYOUTS = new Set(['NCHW', 'NHWC', 'NHW']);

/** A method that ran, with its result. */
export interface MethodRun {
  readonly spec: MethodSpec;
  readonly configured: ConfiguredMethod;
  readonly attribution: Attribution;
  readonly timeMs: number;
}

function softmaxRow(logits: TensorData, row: number): Float64Array {
  const classes = logits.shape[1]!;
  const values = Float64Array.from(logits.data.subarray(row * classes, (row + 1) * classes));
  const max = Math.max(...values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] = Math.exp(values[i]! - max);
  return values.map((v) => v / sum);
}

/** The report lists meta as parameters; a wrapped method's whole meta is summarised by its id. */
function forReport(attribution: Attribution): Attribution {
  const inner = attribution.meta.inner as { id?: unknown } | undefined;
  if (!inner || typeof inner !== 'object') return attribution;
  return { ...attribution, meta: { ...attribution.meta, inner: String(inner.id ?? 'method') } };
}

/**
 * Token-id inputs carry no tokenizer, so each token is named by its id (`#1037`); positions the
 * attention_mask leaves out are marked as pads.
 */
function idTokens(job: OutputJob, row: number): string[] | undefined {
  if (job.loaded.model.layout !== 'tokens') return undefined;
  const length = job.tensor.shape[1]!;
  const mask = job.context?.attention_mask;
  const masked = mask && mask.data.length === job.tensor.data.length ? mask : undefined;
  return Array.from(job.tensor.data.subarray(row * length, (row + 1) * length), (id, t) => (masked && masked.data[row * length + t] === 0 ? `#${id} (pad)` : `#${id}`));
}

/** Everything `writeOutputs` puts into the output folder. */
export interface OutputJob {
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
  /** The model's other inputs (--context): an attention_mask marks the pads of token-id inputs. */
  readonly context?: Readonly<Record<string, TensorData>>;
  /** Checked between files: writing stops when it fires. */
  readonly signal?: AbortSignal;
  /** After an interrupt: only the raw values and the summary (fast), and no signal checks. */
  readonly partial?: boolean;
}

/**
 * Writes `<method>.npy`, overlays, `grid.png`, `input.npy`, `report.html` and `summary.json` into
 * `dir` (the staged folder that becomes `target`) and returns the summary.
 */
export async function writeOutputs(dir: string, target: string, job: OutputJob): Promise<ExplainSummary> {
  const { model } = job.loaded;
  const examples = job.inputs.examples;
  const stems = fileStems(examples.map((e) => e.name));
  const className = (c: number) => job.classNames?.[c] ?? `class ${c}`;
  const drawOverlays = !job.partial && (job.request.overlays ?? true);
  const check = () => throwIfAborted(job.partial ? undefined : job.signal);
  const bases = job.images.map((image) => (image ? enlarge(image) : undefined));

  const exampleSummaries: ExampleSummary[] = examples.map((example, i) => {
    const probabilities = softmaxRow(job.logits, i);
    let predicted = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[predicted]!) predicted = c;
    return { name: example.name, file: example.file, label: example.label ?? null, predicted, probability: probabilities[predicted]! };
  });

  const methodSummaries: ExplainMethodSummary[] = [];
  const overlaysByMethod: { name: string; attribution: Attribution; overlays: (RgbaImage | undefined)[] }[] = [];
  for (const run of job.runs) {
    const { attribution, spec, configured } = run;
    const file = `${spec.name}.npy`;
    check();
    await writeFile(join(dir, file), writeNpy(valuesInInputLayout(attribution, model.layout)));
    let overlayFiles: string[] = [];
    let overlays: (RgbaImage | undefined)[] = [];
    if (drawOverlays && IMAGE_LAYOUTS.has(attribution.layout) && bases.some((b) => b !== undefined)) {
      overlays = overlayImages(attribution, configured.display, bases);
      overlayFiles = await writeRowImages(dir, join('overlays', spec.name), attribution, overlays, stems, check);
    }
    const figureFiles =
      overlays.length > 0
        ? await writeFigures(
            dir,
            spec.name,
            attribution,
            figureImages(attribution, configured.display, job.images, {
              title: spec.title,
              className: (c) => job.classNames?.[c],
              probability: (e, c) => softmaxRow(job.logits, e)[c]!,
            }),
            stems,
            check,
          )
        : [];
    overlaysByMethod.push({ name: spec.name, attribution, overlays: overlays.length > 0 ? legendCells(attribution, configured.display, overlays) : overlays });
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
      figures: figureFiles,
    });
  }

  let gridFile: string | null = null;
  if (drawOverlays && overlaysByMethod.length > 0) {
    // One row per (example, target) of the first method; the other methods' maps for the same pair beside it.
    const first = overlaysByMethod[0]!.attribution;
    const rows = Array.from(first.examples, (example, r) => ({ example, target: first.targets[r] }));
    const sheet = overlayGrid(
      bases,
      rows.map((row) => ({ example: row.example, label: `${stems[row.example]} -> ${className(row.target!)}` })),
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
  check();
  if (job.inputs.kind === 'images' && !job.partial) {
    inputFile = 'input.npy';
    await writeFile(join(dir, inputFile), writeNpy(job.tensor));
  }

  let report: string | null = null;
  if (!job.partial) {
    check();
    const facts = job.builtin ? await builtinFacts() : undefined;
    const modelText = facts ? `built-in Fashion-MNIST CNN (${facts.parameters} parameters, test accuracy ${(facts.testAccuracy * 100).toFixed(1)}%)` : job.modelPath;
    const methods: ReportMethod[] = job.runs.map((run) => ({
      attribution: forReport(run.attribution),
      name: run.spec.title,
      description: run.configured.description,
      timeMs: run.timeMs,
      display: run.configured.display,
      chosen: chosenKeys(job.request.flags, run.attribution.meta, job.request.baselineFile),
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
        ...(job.preprocessing && job.inputs.kind === 'images' ? { preprocessing: describePreprocessing(job.preprocessing, job.inputs.images) } : {}),
        ...(job.skipped.length > 0 ? { skipped: job.skipped.map((s) => s.method).join(', ') } : {}),
      },
      classNames: job.classNames,
      examples: examples.map((example, i) => ({
        image: job.images[i],
        tokens: idTokens(job, i),
        name: example.name,
        label: example.label,
        logits: job.logits.data.subarray(i * job.logits.shape[1]!, (i + 1) * job.logits.shape[1]!),
      })),
      methods,
      imageSize: 168,
    });
    await writeFile(join(dir, 'report.html'), html, 'utf8');
    report = 'report.html';
  }

  const summary: ExplainSummary = {
    tool: 'salience',
    version: await packageVersion(),
    ok: true,
    out: target,
    report,
    grid: gridFile,
    model: { ...modelSummary(job.modelPath, job.builtin, job.loaded), classes: job.logits.shape[1]! },
    input: { kind: job.inputs.kind, shape: job.tensor.shape, file: inputFile, preprocessing: job.preprocessing },
    target: job.targetText,
    examples: exampleSummaries,
    methods: methodSummaries,
    skipped: job.skipped,
    timeMs: Math.round(performance.now() - job.started),
    ...(job.partial ? { interrupted: true as const } : {}),
  };
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
  return summary;
}
