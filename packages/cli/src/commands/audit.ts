import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  AuditCollector,
  type AuditMethod,
  type AuditRecord,
  type AuditResult,
  auditBatch,
  borderRegion,
  boxRegion,
  cornerRegions,
  defaultBorderWidth,
  outsideRegion,
  type Region,
} from '@salience/audit';
import { AbortError, type Model, sliceRows, type TensorData, throwIfAborted } from '@salience/core';
import { type Chunk, type Dataset, listDataset, loadChunk } from '../audit/dataset.js';
import type { ChunkDistributor } from '../audit/distribute.js';
import { datasetDigest, fileDigest, modelFiles } from '../audit/fingerprint.js';
import { type AuditProgress, createAuditProgress } from '../audit/progress.js';
import { type AuditState, checkAuditFolder, openAuditState, STATE_FOLDER } from '../audit/state.js';
import { type AuditOutputJob, type AuditSummary, writeAuditOutputs } from '../audit/summary.js';
import { CliError } from '../cli-error.js';
import { readBaselineFile } from '../inputs/baseline-file.js';
import { readClassNames } from '../inputs/class-names.js';
import { type PreprocessingFlags, resolvePreprocessing } from '../inputs/image-input.js';
import { imageBatch, type ModelInput, rejectTensorPreprocessing, tensorBatch } from '../inputs/model-input.js';
import { checkReadPaths } from '../inputs/preflight.js';
import { channelCount, type Preprocessing } from '../inputs/preprocessing.js';
import { checkLabelRange } from '../inputs/truth-file.js';
import { withLrpBounds } from '../methods/backprop-family.js';
import { chooseMethods, methodSkipReason } from '../methods/method-choice.js';
import type { BaselineFlag, MethodFlags, MethodName, MethodSpec } from '../methods/methods.js';
import { clampWindow } from '../methods/window-clamp.js';
import { BUILTIN_LABELS, builtinModelFor } from '../models/builtin.js';
import { checkDeclaredLayout } from '../models/layout-check.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';
import { loadModelFile } from '../models/model-file.js';
import { safeFileName } from '../outputs/file-stems.js';
import { jsonable } from '../outputs/jsonable.js';
import type { AuditRequest } from './settings.js';

/**
 * The methods `salience audit` runs when none is named: the plain gradient (cheap, but its mass is
 * spread thin) and integrated gradients, which concentrates on the evidence the model uses. On the
 * planted watermark, integrated gradients puts 5x the corner's area in the corner, the gradient
 * 2.8x, and Grad-CAM at the last convolution (7x7 for 28x28 inputs) misses the 4-pixel mark.
 */
export const AUDIT_DEFAULT_METHODS: readonly MethodName[] = ['gradient', 'ig'];

export const DEFAULT_CHUNK_SIZE = 64;
export const DEFAULT_CORNER = 0.25;

/** Where an audit chunk stands, for progress hooks. */
export interface AuditChunkInfo {
  readonly dataset: string;
  readonly chunk: number;
  readonly chunks: number;
  readonly first: number;
  readonly count: number;
  /** True when the chunk was found on disk from an earlier run. */
  readonly resumed: boolean;
}

/** Seams for tests and embedders. */
export interface AuditDependencies {
  readonly loadModel?: ModelLoader;
  readonly progress?: AuditProgress;
  readonly note?: (message: string) => void;
  /** Called when a chunk's records are on disk (or were found there). */
  readonly onChunk?: (info: AuditChunkInfo) => void;
  /** Shards, a work queue or a merge: gets the chunks before they are read (../audit/distribute.ts). */
  readonly distribute?: ChunkDistributor;
}

/** A model of the audit, loaded, with its methods and preprocessing settled. */
interface AuditedModel {
  readonly name: string;
  readonly path: string;
  readonly builtin: boolean;
  readonly loaded: LoadedModel;
  readonly model: Model;
  readonly methods: AuditMethod[];
  readonly options: Record<string, unknown>[];
  /** Per image dataset; null for tensors. */
  readonly preprocessing: Preprocessing | null;
}

function modelName(path: string, builtin: boolean, taken: readonly string[]): string {
  let name = 'builtin';
  if (!builtin) {
    const file = basename(path);
    const stem = file.toLowerCase() === 'model.json' ? basename(dirname(resolve(path))) : extname(file) === '' ? file : basename(file, extname(file));
    name = safeFileName(stem, 'model');
  }
  let unique = name;
  for (let n = 2; taken.includes(unique); n++) unique = `${name}-${n}`;
  return unique;
}

/** The regions every map is measured on, scaled from the input's size to the map's. */
function regionMaker(inputHeight: number, inputWidth: number, request: AuditRequest): (height: number, width: number) => Region[] {
  const corner = request.corner ?? DEFAULT_CORNER;
  return (height, width) => {
    const sy = height / inputHeight;
    const sx = width / inputWidth;
    const border = request.border === undefined ? defaultBorderWidth(height, width) : Math.max(1, Math.round(request.border * Math.min(sy, sx)));
    const regions = [...cornerRegions(height, width, corner), borderRegion(height, width, border)];
    if (request.region) {
      const { top, left, bottom, right } = request.region;
      const box = boxRegion('object', height, width, { top: top * sy, left: left * sx, bottom: bottom * sy, right: right * sx });
      regions.push(outsideRegion(box));
    }
    return regions;
  };
}

/** The spatial size of the model's input: from the preprocessing, else from the input's shape. */
function inputSize(model: Model, preprocessing: Preprocessing | null, tensor: TensorData): [number, number] {
  if (preprocessing) return [preprocessing.height, preprocessing.width];
  const shape = tensor.shape;
  if (model.layout === 'NCHW' && shape.length === 4) return [shape[2]!, shape[3]!];
  if (model.layout === 'NHWC' && shape.length === 4) return [shape[1]!, shape[2]!];
  throw new CliError('usage', `salience audit measures where saliency lies in images; this model's input is ${model.layout} [${shape.join(', ')}], not an image.`);
}

async function classCount(model: Model, input: TensorData, signal: AbortSignal | undefined): Promise<number> {
  const { logits } = await model.run({ input: sliceRows(input, 0, 1), outputs: ['logits'], signal });
  return logits.shape[1]!;
}

function describeLabels(dataset: Dataset): string {
  const l = dataset.labels;
  if (l.kind === 'truth') return l.file;
  if (l.kind === 'folders') return `the class folders of ${dataset.paths.join(', ')}`;
  return 'its labels';
}

function isAbort(error: unknown): boolean {
  return error instanceof AbortError || (error as { code?: unknown })?.code === 'ABORTED';
}

/**
 * Runs `salience audit`: lists the datasets, then chunk by chunk loads the examples, runs every
 * method on every model (`auditBatch`), saves the records in `<out>/.salience-audit/` and adds
 * them to an `AuditCollector`; chunks saved by an earlier run of the same configuration are read
 * back instead. Then writes `report.html`, `summary.json` and the per-class mean figures.
 */
export async function audit(request: AuditRequest, dependencies: AuditDependencies = {}): Promise<AuditSummary> {
  const started = performance.now();
  const { signal } = request;
  const note = dependencies.note ?? (() => {});
  const progress = dependencies.progress ?? createAuditProgress('silent', { write: () => true });
  if (request.data.length === 0) throw new CliError('usage', 'Give the examples to audit with --data (a folder of images, image files, or .npy tensors).');
  if (request.shiftedTruth !== undefined && !request.shifted) throw new CliError('usage', '--shifted-truth needs --shifted (the shifted data it labels).');
  const chunkSize = request.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const explicitMethods = request.methods !== undefined && request.methods.length > 0;
  const specs = chooseMethods(request.methods, request.flags, { baselineFile: request.baselineFile, defaults: AUDIT_DEFAULT_METHODS });
  if (request.compareLayer !== undefined && !specs.some((s) => s.name === 'gradcam'))
    throw new CliError('usage', '--compare-layer applies to gradcam, and no such method is chosen.');
  if (request.compareLayer !== undefined && request.compareModel === undefined) throw new CliError('usage', '--compare-layer needs --compare-model.');

  // Every path, before any work: the files read, then the output folder.
  const inputFile = 'inputFile' as const;
  await checkReadPaths([
    ...[...request.data, ...(request.shifted ?? [])].map((path) => ({ path, what: 'the input', kind: inputFile, folder: true })),
    ...[request.truth, request.shiftedTruth, request.labels, request.baselineFile].flatMap((path) => (path === undefined ? [] : [{ path, what: 'the file', kind: inputFile }])),
    ...(dependencies.loadModel
      ? []
      : [request.model, request.compareModel].flatMap((path) => (path === undefined ? [] : [{ path, what: 'the model', kind: 'modelFile' as const, folder: true }]))),
  ]);
  await checkAuditFolder(request.out, request.overwrite);

  const builtin = request.model === undefined;
  let classNames = await readClassNames(request.labels ?? (builtin ? BUILTIN_LABELS : undefined));
  const datasetNames = request.shifted ? ['clean', 'shifted'] : ['data'];
  const datasets: Dataset[] = [await listDataset(datasetNames[0]!, request.data, { truth: request.truth, classNames, note })];
  if (request.shifted) datasets.push(await listDataset('shifted', request.shifted, { truth: request.shiftedTruth, classNames, note }));
  if (!classNames) {
    const fromFolders = datasets.find((d) => d.folderClassNames)?.folderClassNames;
    if (fromFolders) {
      classNames = [...fromFolders];
      note(`Class names from the folder names, in sorted order: ${classNames.join(', ')} (give --labels to set them).`);
    }
  }
  if (request.explain === 'label') {
    const unlabelled = datasets.find((d) => d.examples.some((e) => e.label === null));
    if (unlabelled)
      throw new CliError(
        'usage',
        `--explain label explains each example's true class, and the ${unlabelled.name} data has unlabelled examples; give --truth for it, or --explain predicted.`,
      );
  }
  const imageData = datasets.find((d) => d.kind === 'images');
  if (!imageData) rejectTensorPreprocessing(request.preprocessing ?? {});
  throwIfAborted(signal);

  const loader = dependencies.loadModel ?? loadModelFile;
  const paths = [request.model ?? builtinModelFor(specs), ...(request.compareModel !== undefined ? [request.compareModel] : [])];
  const loadedModels: LoadedModel[] = [];
  let state: AuditState | undefined;
  try {
    for (const path of paths) {
      const loaded = await loader(path, { backend: request.backend ?? 'wasm', layout: request.layout, signal, inputName: request.inputName });
      loadedModels.push(loaded);
      checkDeclaredLayout(request.layout, loaded.model.inputShape);
    }
    let flags: MethodFlags = request.flags ?? {};
    if (request.baselineFile !== undefined) flags = { ...flags, baseline: (await readBaselineFile(request.baselineFile)) as BaselineFlag };
    if (specs.some((spec) => spec.name === 'occlusion')) {
      const first = await loadChunk(datasets[0]!, 0, 1, request.maxPixels);
      const shape = first.kind === 'tensor' ? first.tensor.shape.slice(1) : undefined;
      const preprocessing = first.kind === 'images' ? resolvePreprocessing(loadedModels[0]!.model, first.images, request.preprocessing ?? {}) : undefined;
      const layout = loadedModels[0]!.model.layout;
      const example =
        shape ??
        (preprocessing
          ? layout === 'NCHW'
            ? [channelCount(preprocessing.channels), preprocessing.height, preprocessing.width]
            : [preprocessing.height, preprocessing.width, channelCount(preprocessing.channels)]
          : undefined);
      if (example) {
        const clamped = clampWindow(flags, example, layout);
        flags = clamped.flags;
        for (const message of clamped.notes) note(message);
      }
    }
    const firstChunk = imageData ? await loadChunk(imageData, 0, 1, request.maxPixels) : undefined;
    const firstImage = firstChunk?.kind === 'images' ? firstChunk.images[0] : undefined;

    // Methods that a model cannot run are skipped for both, so the two are compared on the same maps.
    const skipped: { method: MethodName; reason: string }[] = [];
    const models: AuditedModel[] = [];
    const names: string[] = [];
    const layerOf = (m: number) => (m === 1 && request.compareLayer !== undefined ? request.compareLayer : flags.layer);
    for (const [m, loaded] of loadedModels.entries()) {
      const { model } = loaded;
      for (const spec of specs) {
        const reason = methodSkipReason(spec, loaded, model, explicitMethods);
        if (reason && !skipped.some((s) => s.method === spec.name)) {
          skipped.push({ method: spec.name, reason: paths.length > 1 ? `${reason} (${m === 0 ? 'audited' : 'compared'} model)` : reason });
        }
      }
      const preprocessing = firstImage ? resolvePreprocessing(model, [firstImage], request.preprocessing ?? {}) : null;
      const name = modelName(paths[m]!, m === 0 && builtin, names);
      names.push(name);
      models.push({ name, path: paths[m]!, builtin: m === 0 && builtin, loaded, model, methods: [], options: [], preprocessing });
    }
    for (const s of skipped) note(`Skipped ${s.method}: ${s.reason}${s.reason.endsWith('.') ? '' : '.'}`);
    const running: MethodSpec[] = specs.filter((s) => !skipped.some((k) => k.method === s.name));
    if (running.length === 0) throw new CliError('usage', `None of the methods (${specs.map((s) => s.name).join(', ')}) can run on this model; name one with --method.`);
    for (const [m, entry] of models.entries()) {
      for (const spec of running) {
        const configured = spec.configure(withLrpBounds({ ...flags, layer: layerOf(m) }, entry.preprocessing).flags);
        entry.methods.push({ name: spec.name, method: configured.method, options: request.limits ? { ...configured.options, limits: request.limits } : configured.options });
        entry.options.push(configured.options);
      }
    }

    // One example through each model: the class count, and that the data fits.
    const probe = await loadChunk(datasets[0]!, 0, 1, request.maxPixels);
    const probeInputs = models.map((m) => modelInput(m, probe, request.preprocessing ?? {}));
    const classes = await classCount(models[0]!.model, probeInputs[0]!.tensor, signal);
    if (models.length > 1) {
      const other = await classCount(models[1]!.model, probeInputs[1]!.tensor, signal);
      if (other !== classes) throw new CliError('usage', `The compared model has ${other} classes and the audited one ${classes}; they must classify into the same classes.`);
    }
    if (classNames && classNames.length !== classes) note(`--labels names ${classNames.length} classes but the model has ${classes}; names are matched by index.`);
    for (const d of datasets) {
      checkLabelRange(
        d.examples.map((e) => e.label),
        classes,
        describeLabels(d),
        d.examples.map((e) => e.key),
      );
    }
    const [inputHeight, inputWidth] = inputSize(models[0]!.model, models[0]!.preprocessing, probeInputs[0]!.tensor);
    if (request.region && (request.region.bottom > inputHeight || request.region.right > inputWidth)) {
      const { top, left, bottom, right } = request.region;
      throw new CliError(
        'usage',
        `--region ${top},${left},${bottom},${right} reaches past the ${inputHeight}x${inputWidth} input (height x width); give a box inside it (bottom <= ${inputHeight}, right <= ${inputWidth}).`,
      );
    }
    if (request.border !== undefined && request.border * 2 >= Math.min(inputHeight, inputWidth)) {
      throw new CliError(
        'usage',
        `--border ${request.border} covers the whole ${inputHeight}x${inputWidth} input; give fewer than ${Math.ceil(Math.min(inputHeight, inputWidth) / 2)} pixels.`,
      );
    }
    const regions = regionMaker(inputHeight, inputWidth, request);

    const key = {
      models: await Promise.all(models.map(async (m) => ({ files: await modelFiles(m.path), format: m.loaded.format }))),
      backend: request.backend ?? 'wasm',
      layout: request.layout ?? null,
      datasets: await Promise.all(datasets.map(async (d) => ({ name: d.name, count: d.examples.length, digest: await datasetDigest(d) }))),
      methods: models.map((m) => m.methods.map((a, i) => ({ name: a.name, options: jsonable(m.options[i]) }))),
      baseline: await fileDigest(request.baselineFile),
      preprocessing: models.map((m) => m.preprocessing),
      explain: request.explain ?? 'predicted',
      objective: request.objective ?? 'logit',
      seed: request.seed ?? 0,
      chunkSize,
      regions: { corner: request.corner ?? DEFAULT_CORNER, border: request.border ?? null, region: request.region ?? null },
    };
    state = await openAuditState(request.out, key, { fresh: request.fresh, overwrite: request.overwrite, note });
    const chunkCounts = datasets.map((d) => Math.ceil(d.examples.length / chunkSize));
    const totalChunks = chunkCounts.reduce((a, b) => a + b, 0);

    const collector = new AuditCollector({ classes, classNames, regions, top: request.top });
    const methodTimeMs: Record<string, Record<string, number>> = Object.fromEntries(models.map((m) => [m.name, {}]));
    if (dependencies.distribute) {
      const chunkRun: ChunkRun = { request, state, models, collector, regions, chunkSize, methodTimeMs, saved: 0, note };
      const span = (d: number, c: number) => [c * chunkSize, Math.min(datasets[d]!.examples.length, (c + 1) * chunkSize)] as const;
      const counted = datasets.map((d, i) => ({ name: d.name, count: d.examples.length, chunks: chunkCounts[i]! }));
      await dependencies.distribute({
        key,
        state,
        datasets: counted,
        chunkSize,
        models: models.length,
        compute: (d, c) => computeChunk(chunkRun, datasets[d]!, ...span(d, c), () => {}),
      });
    }
    // What is on disk already, to say how much is left before any work (files are checked when read).
    const onDiskAtStart: boolean[][] = [];
    for (const [d, dataset] of datasets.entries()) {
      onDiskAtStart.push([]);
      for (let c = 0; c < chunkCounts[d]!; c++) onDiskAtStart[d]!.push(await state.hasChunk(dataset.name, c, models.length));
    }
    const found = onDiskAtStart.flat().filter(Boolean).length;
    if (found > 0) note(`resuming: ${found} of ${totalChunks} chunks done (in ${join(request.out, STATE_FOLDER)}).`);

    const run: ChunkRun = { request, state, models, collector, regions, chunkSize, methodTimeMs, saved: found, onChunk: dependencies.onChunk, note };
    let resumed = 0;
    let computed = 0;
    try {
      for (const [d, dataset] of datasets.entries()) {
        const counts = await auditDataset(run, dataset, onDiskAtStart[d]!, progress);
        resumed += counts.resumed;
        computed += counts.computed;
      }
    } catch (error) {
      if (isAbort(error)) {
        throw new CliError('aborted', `Interrupted: ${run.saved} of ${totalChunks} chunks are saved in ${join(request.out, STATE_FOLDER)}; run the same command again to resume.`, {
          cause: error,
        });
      }
      throw error;
    }
    throwIfAborted(signal);

    const result: AuditResult = collector.result();
    const job: AuditOutputJob = {
      request,
      state,
      result,
      models: models.map((m, i) => ({ name: m.name, path: m.path, builtin: m.builtin, loaded: m.loaded, role: i === 0 ? 'audited' : 'compared', preprocessing: m.preprocessing })),
      datasets,
      methods: running.map((s, i) => ({ name: s.name, id: models[0]!.methods[i]!.method.id, options: jsonable(models[0]!.options[i]) as Record<string, unknown> })),
      skipped,
      classNames,
      chunks: { size: chunkSize, total: totalChunks, resumed, computed },
      methodTimeMs,
      started,
    };
    return await writeAuditOutputs(job);
  } finally {
    await state?.release();
    for (const loaded of loadedModels) loaded.dispose();
  }
}

/** What the chunks of every dataset share while an audit runs. */
interface ChunkRun {
  readonly request: AuditRequest;
  readonly state: AuditState;
  readonly models: readonly AuditedModel[];
  readonly collector: AuditCollector;
  readonly regions: (height: number, width: number) => Region[];
  readonly chunkSize: number;
  /** Per model and method, over the chunks computed by this run. */
  readonly methodTimeMs: Record<string, Record<string, number>>;
  /** Chunks on disk: found at the start, then each one computed. */
  saved: number;
  readonly onChunk?: (info: AuditChunkInfo) => void;
  readonly note: (message: string) => void;
}

/** One dataset, chunk by chunk: read back from disk when there, else computed and saved; all added to the collector. */
async function auditDataset(run: ChunkRun, dataset: Dataset, onDisk: readonly boolean[], progress: AuditProgress): Promise<{ resumed: number; computed: number }> {
  const { state, models, collector, chunkSize } = run;
  const total = dataset.examples.length;
  const bar = progress.start(dataset.name);
  const started = performance.now();
  let resumed = 0;
  let computed = 0;
  try {
    for (let c = 0; c < onDisk.length; c++) {
      const first = c * chunkSize;
      const end = Math.min(total, first + chunkSize);
      const info = { dataset: dataset.name, chunk: c, chunks: onDisk.length, first, count: end - first };
      const chunkStarted = performance.now();
      let records = onDisk[c] ? await state.readChunk(dataset.name, c, models.length, first, end - first) : undefined;
      const fromDisk = records !== undefined;
      if (!records) {
        throwIfAborted(run.request.signal);
        records = await computeChunk(run, dataset, first, end, (fraction) => bar.update(first + (end - first) * fraction, total));
        await state.writeChunk(dataset.name, c, records);
        if (!onDisk[c]) run.saved++;
        computed++;
      } else resumed++;
      const byModel = records;
      collector.add(dataset.name, Object.fromEntries(models.map((m, i) => [m.name, byModel[i]!])));
      bar.update(end, total);
      bar.chunk({ ...info, timeMs: performance.now() - chunkStarted, resumed: fromDisk });
      run.onChunk?.({ ...info, resumed: fromDisk });
    }
  } catch (error) {
    bar.fail();
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const chunks = `${onDisk.length} chunk${onDisk.length === 1 ? '' : 's'}${resumed > 0 ? `, ${resumed} from the earlier run` : ''}`;
  bar.finish(`${total} examples in ${seconds} s (${chunks})`);
  return { resumed, computed };
}

/** Runs every method of every model on the examples first..end: one list of records per model. */
async function computeChunk(run: ChunkRun, dataset: Dataset, first: number, end: number, onFraction: (fraction: number) => void): Promise<AuditRecord[][]> {
  const { request, models } = run;
  const chunk = await loadChunk(dataset, first, end, request.maxPixels);
  const examples = dataset.examples.slice(first, end).map((e) => ({ name: e.name, label: e.label }));
  const byModel: AuditRecord[][] = [];
  for (const [m, entry] of models.entries()) {
    const input = modelInput(entry, chunk, request.preprocessing ?? {});
    const steps = models.length * entry.methods.length;
    const result = await auditBatch(entry.model, entry.methods, input.tensor, examples, {
      explain: request.explain,
      objective: request.objective,
      batchSize: request.batchSize,
      seed: request.seed,
      signal: request.signal,
      regions: run.regions,
      images: input.images,
      firstIndex: first,
      onProgress: (method, done, all) => {
        const step = m * entry.methods.length + entry.methods.findIndex((x) => x.name === method);
        onFraction((step + (all > 0 ? done / all : 1)) / steps);
      },
    });
    checkFiniteRecords(result.records, entry.name, dataset.name, request.allowNonfinite, run.note);
    const times = run.methodTimeMs[entry.name]!;
    for (const [method, ms] of Object.entries(result.timeMs)) times[method] = (times[method] ?? 0) + ms;
    byModel.push(result.records);
  }
  return byModel;
}

/** NaN or infinite logits (the probability) or maps (their mass) fail the audit unless allowed; then a note. */
function checkFiniteRecords(records: readonly AuditRecord[], model: string, dataset: string, allowed: boolean | undefined, note: (message: string) => void): void {
  const problems: string[] = [];
  const logits = records.filter((r) => !Number.isFinite(r.probability));
  if (logits.length > 0)
    problems.push(
      `NaN or infinite logits for ${logits
        .map((r) => r.name)
        .slice(0, 5)
        .join(', ')}${logits.length > 5 ? ` and ${logits.length - 5} more` : ''}`,
    );
  for (const method of Object.keys(records[0]?.maps ?? {})) {
    const maps = records.filter((r) => !Number.isFinite(r.maps[method]?.mass));
    if (maps.length > 0)
      problems.push(
        `${method} gave NaN or infinite values for ${maps
          .map((r) => r.name)
          .slice(0, 5)
          .join(', ')}${maps.length > 5 ? ` and ${maps.length - 5} more` : ''}`,
      );
  }
  if (problems.length === 0) return;
  const message = `Model ${model} on the ${dataset} data: ${problems.join('; ')}.`;
  if (!allowed) throw new CliError('nonFinite', `${message} Check the input's scale and preprocessing, or give --allow-nonfinite to go on anyway.`);
  note(message);
}

/** A chunk as model `entry` takes it. */
function modelInput(entry: AuditedModel, chunk: Chunk, flags: PreprocessingFlags): ModelInput {
  if (chunk.kind === 'tensor') return tensorBatch(chunk.tensor, entry.model);
  const settled = entry.preprocessing;
  if (!settled) throw new CliError('usage', 'Images need preprocessing settled from the first image.');
  const own = resolvePreprocessing(entry.model, chunk.images, flags);
  if (own.width !== settled.width || own.height !== settled.height) {
    throw new CliError(
      'usage',
      `The model takes any image size but the images differ in size (${own.height}x${own.width} and ${settled.height}x${settled.width}, height x width); give --resize N or h=H,w=W to bring them to one.`,
    );
  }
  return imageBatch(chunk.images, settled);
}
