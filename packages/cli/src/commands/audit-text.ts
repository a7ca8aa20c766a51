import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  decodeTextRecords,
  describeTextFinding as describe,
  encodeTextRecords,
  parseSuspects,
  TextAuditCollector,
  type TextAuditRecord,
  type TextAuditResult,
  textAuditReportHtml,
} from '@salience/audit';
import { AbortError, throwIfAborted } from '@salience/core';
import type { EncodedBatch, EncodedText, TextClassifier } from '@salience/text';
import { fileDigest, modelFiles } from '../audit/fingerprint.js';
import { type AuditProgress, createAuditProgress } from '../audit/progress.js';
import { type AuditState, checkAuditFolder, openAuditState, STATE_FOLDER } from '../audit/state.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { readClassNames } from '../inputs/class-names.js';
import { checkReadPaths } from '../inputs/preflight.js';
import { streamTextsFile, type TextExample } from '../inputs/texts.js';
import { parseChoice, parseInteger } from '../methods/option-values.js';
import { shown } from '../outputs/display.js';
import { safeFileName } from '../outputs/file-stems.js';
import { progressMode } from '../outputs/progress.js';
import { SUMMARY_FILE } from '../outputs/staged-output.js';
import type { AuditFlags } from '../program.js';
import { packageVersion } from '../version.js';
import { GRADIENT_METHODS, importOnnxRuntime, occlusionFill, openClassifier, runMethod, TEXT_METHOD_DESCRIPTIONS, TEXT_METHODS, type TextMethodName } from './explain-text.js';

/** Texts per chunk: computed, saved and added up at a time. */
export const TEXT_AUDIT_CHUNK_SIZE = 64;
/** Texts are padded to a multiple of this many tokens, so a chunk needs few shapes (a gradient graph is built per shape). */
const LENGTH_BUCKET = 16;

/** Whether `salience audit` was asked to audit a text classifier. */
export function isTextAudit(flags: AuditFlags): boolean {
  return flags.texts !== undefined || flags.suspect !== undefined || flags.tokenizer !== undefined;
}

/** Seams for tests: progress and notes, and a hook per finished chunk. */
export interface TextAuditDependencies {
  readonly progress?: AuditProgress;
  readonly note?: (message: string) => void;
  readonly onChunk?: (info: { readonly dataset: string; readonly chunk: number; readonly chunks: number; readonly resumed: boolean }) => void;
}

/** What `salience audit --texts --json` prints and `summary.json` holds. */
export interface TextAuditSummary {
  readonly tool: 'salience';
  readonly command: 'audit';
  readonly kind: 'text';
  readonly version: string;
  readonly ok: true;
  readonly out: string;
  readonly report: string;
  readonly models: readonly {
    readonly name: string;
    readonly role: 'audited' | 'compared';
    readonly path: string;
    readonly modelFile: string | null;
    readonly quantized: readonly string[];
  }[];
  readonly classes: number;
  readonly classNames: readonly string[] | null;
  readonly datasets: readonly { readonly name: string; readonly path: string; readonly count: number; readonly labelled: number }[];
  readonly configuration: {
    readonly methods: readonly { readonly name: string; readonly description: string; readonly parameters: Readonly<Record<string, unknown>> }[];
    readonly skipped: readonly { readonly method: string; readonly reason: string }[];
    readonly explain: 'predicted' | 'label';
    readonly chunkSize: number;
    readonly suspects: { readonly file: string | null; readonly tokens: readonly string[] };
    readonly thresholds: TextAuditResult['options'];
  };
  readonly groups: TextAuditResult['groups'];
  readonly shifts: TextAuditResult['shifts'];
  readonly comparisons: TextAuditResult['comparisons'];
  readonly findings: readonly (TextAuditResult['findings'][number] & { readonly className: string; readonly text: string })[];
  readonly chunks: { readonly size: number; readonly total: number; readonly resumed: number; readonly computed: number };
  readonly methodTimeMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly timeMs: number;
}

interface AuditedClassifier {
  readonly name: string;
  readonly path: string;
  readonly classifier: TextClassifier;
}

interface TextDataset {
  readonly name: string;
  readonly path: string;
  readonly count: number;
  readonly labelled: number;
  readonly digest: string;
}

interface MethodSettings {
  readonly steps: number;
  readonly window: number;
  readonly stride: number;
  readonly fill: { id: number; name: string } | undefined;
}

function refuse(flags: AuditFlags): void {
  const imageOnly: [keyof AuditFlags, string][] = [
    ['data', '--data'],
    ['truth', '--truth (labels come from the "label" field of --texts)'],
    ['shiftedTruth', '--shifted-truth (labels come from the "label" field of --shifted)'],
    ['region', '--region'],
    ['border', '--border'],
    ['corner', '--corner'],
    ['compareLayer', '--compare-layer'],
    ['shard', '--shard'],
    ['queue', '--queue'],
    ['merge', 'merge'],
    ['resize', '--resize'],
    ['preset', '--preset'],
    ['layout', '--layout'],
  ];
  for (const [key, flag] of imageOnly) {
    const value = flags[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0))
      throw new CliError('usage', `${flag.split(' ')[0]} is not for text audits: ${flag.includes('(') ? flag.slice(flag.indexOf('(') + 1, -1) : 'it applies to images'}.`);
  }
  if (flags.texts === undefined)
    throw new CliError('usage', 'Give the texts to audit with --texts FILE (.jsonl with "text" and "label" fields, .txt or .csv); --suspect and --tokenizer are for text audits.');
  if ((flags.shifted?.length ?? 0) > 1) throw new CliError('usage', '--shifted takes one file of texts for a text audit.');
}

function modelName(path: string, taken: readonly string[]): string {
  const name = safeFileName(basename(resolve(path)).replace(/\.onnx$/i, ''), 'model');
  let unique = name;
  for (let n = 2; taken.includes(unique); n++) unique = `${name}-${n}`;
  return unique;
}

/** A label as written in the file (a class name or index) as a class index. */
function labelIndex(label: string | undefined, classNames: readonly string[] | undefined, classes: number, source: string): number | null {
  if (label === undefined) return null;
  const byName = classNames?.indexOf(label) ?? -1;
  if (byName >= 0) return byName;
  const n = Number(label);
  if (label.trim() !== '' && Number.isInteger(n) && n >= 0 && n < classes) return n;
  throw new CliError('inputFile', `${source}: the label '${label}' is not a class of the model (${classNames ? classNames.join(', ') : `0..${classes - 1}`}).`);
}

/** Reads a dataset once before any work: counts its texts, checks every label, and takes a digest of what the chunks will read. */
async function listTexts(name: string, path: string, classNames: readonly string[] | undefined, classes: number, signal: AbortSignal | undefined): Promise<TextDataset> {
  const hash = createHash('sha256');
  let count = 0;
  let labelled = 0;
  for await (const example of streamTextsFile(path)) {
    if (count % 1024 === 0) throwIfAborted(signal);
    if (labelIndex(example.label, classNames, classes, example.source) !== null) labelled++;
    hash.update(`${example.source}\u0000${example.text}\u0000${example.label ?? ''}\n`);
    count++;
  }
  return { name, path, count, labelled, digest: hash.digest('hex') };
}

/** The texts of a dataset, `size` at a time. */
async function* chunksOf(path: string, size: number): AsyncGenerator<TextExample[]> {
  let chunk: TextExample[] = [];
  for await (const example of streamTextsFile(path)) {
    chunk.push(example);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function chooseMethods(
  flags: AuditFlags,
  models: readonly AuditedClassifier[],
  note: (message: string) => void,
): { methods: TextMethodName[]; skipped: { method: string; reason: string }[] } {
  const asked = (flags.method ?? []).map((m) => m.trim()).filter(Boolean);
  for (const m of asked) {
    if (!(TEXT_METHODS as readonly string[]).includes(m)) throw new CliError('usage', `Unknown method '${m}' for a text audit: use ${TEXT_METHODS.join(', ')}.`);
  }
  const noMask = models.find((m) => m.classifier.specialIds.mask === null);
  if (asked.length > 0) {
    if (asked.includes('ig-mask') && noMask) throw new CliError('usage', `ig-mask needs a mask token, and the tokenizer of ${noMask.name} has none; use ig (pad baseline).`);
    if (asked.some((m) => GRADIENT_METHODS.includes(m as TextMethodName))) for (const m of models) m.classifier.assertGradients();
    return { methods: [...new Set(asked)] as TextMethodName[], skipped: [] };
  }
  // Integrated gradients on the embeddings where every model gives gradients; token occlusion (forward-only) otherwise.
  const blocked = models.find((m) => m.classifier.gradientError);
  if (!blocked) return { methods: ['ig'], skipped: [] };
  const reason = blocked.classifier.gradientError?.message ?? 'no gradients';
  note(`Using occlusion (forward-only): ${blocked.name} gives no gradients: ${reason}`);
  return { methods: ['occlusion'], skipped: [{ method: 'ig', reason }] };
}

/** Token ids `[B, L]` for texts of about one length, padded on the right to a multiple of LENGTH_BUCKET (or to the longest when the model has no pad id). */
function paddedBatch(texts: readonly EncodedText[], padId: number | null): EncodedBatch {
  const longest = Math.max(...texts.map((t) => t.ids.length));
  const length = padId === null ? longest : Math.ceil(longest / LENGTH_BUCKET) * LENGTH_BUCKET;
  const data = new Float32Array(texts.length * length).fill(padId ?? 0);
  for (const [r, t] of texts.entries()) data.set(t.ids, r * length);
  return { ids: { data, shape: [texts.length, length] }, texts, tokens: texts.map((t) => t.tokens), padId };
}

/** Every model on one chunk: the texts grouped by padded length, a prediction and each method per group; one record list per model. */
async function computeChunk(
  models: readonly AuditedClassifier[],
  methods: readonly TextMethodName[],
  examples: readonly TextExample[],
  first: number,
  o: {
    explain: 'predicted' | 'label';
    settings: MethodSettings;
    classNames: readonly string[] | undefined;
    classes: number;
    signal: AbortSignal | undefined;
    times: Record<string, Record<string, number>>;
    note: (message: string) => void;
  },
): Promise<TextAuditRecord[][]> {
  const labels = examples.map((e) => labelIndex(e.label, o.classNames, o.classes, e.source));
  const byModel: TextAuditRecord[][] = [];
  for (const entry of models) {
    const { classifier } = entry;
    const encoded = examples.map((e) => classifier.tokenizer.encode(e.text));
    for (const [i, e] of encoded.entries()) {
      if (e.truncated > 0) o.note(`${examples[i]!.source}: ${e.truncated} token(s) past ${entry.name}'s ${classifier.tokenizer.maxLength} were dropped.`);
    }
    const records: TextAuditRecord[] = new Array(examples.length);
    // Texts of one padded length run together (one shape, so one gradient graph per length).
    const buckets = new Map<number, number[]>();
    for (const [i, e] of encoded.entries()) {
      const key = classifier.padId === null ? e.ids.length : Math.ceil(e.ids.length / LENGTH_BUCKET);
      buckets.set(key, [...(buckets.get(key) ?? []), i]);
    }
    for (const rows of buckets.values()) {
      throwIfAborted(o.signal);
      const batch = paddedBatch(
        rows.map((i) => encoded[i]!),
        classifier.padId,
      );
      const prediction = await classifier.predict(batch);
      const classes = prediction.logits.shape[1]!;
      const targets = rows.map((i, r) => (o.explain === 'label' ? (labels[i] as number) : prediction.predicted[r]!));
      const scores: Record<string, Float32Array[]> = {};
      for (const method of methods) {
        const t0 = performance.now();
        const attribution = await runMethod(method, classifier, batch.ids, targets, {
          pad: classifier.padId ?? undefined,
          steps: o.settings.steps,
          window: o.settings.window,
          stride: o.settings.stride,
          fill: o.settings.fill?.id,
          signal: o.signal,
        });
        o.times[entry.name]![method] = (o.times[entry.name]![method] ?? 0) + performance.now() - t0;
        const length = batch.ids.shape[1]!;
        scores[method] = rows.map((i, r) => {
          const e = encoded[i]!;
          const row = attribution.values.data.subarray(r * length, r * length + e.ids.length);
          return Float32Array.from(row.filter((_, k) => !e.special[k]));
        });
      }
      for (const [r, i] of rows.entries()) {
        const e = encoded[i]!;
        const predicted = prediction.predicted[r]!;
        records[i] = {
          index: first + i,
          name: examples[i]!.source,
          label: labels[i]!,
          predicted: predicted!,
          probability: prediction.probabilities.data[r * classes + predicted]!,
          target: targets[r]!,
          ids: Int32Array.from(e.ids.filter((_, k) => !e.special[k])),
          scores: Object.fromEntries(methods.map((m) => [m, scores[m]![r]!])),
        };
      }
    }
    byModel.push(records);
  }
  return byModel;
}

function isAbort(error: unknown): boolean {
  return error instanceof AbortError || (error as { code?: unknown })?.code === 'ABORTED';
}

/** Records read back from a chunk file, when they are the chunk's examples in order; else undefined (the chunk is computed again). */
async function readSaved(
  state: AuditState,
  dataset: string,
  chunk: number,
  models: number,
  first: number,
  count: number,
  note: (m: string) => void,
): Promise<TextAuditRecord[][] | undefined> {
  const files = await state.readChunkBytes(dataset, chunk, models);
  if (!files) return undefined;
  try {
    const lists = files.map(decodeTextRecords);
    if (lists.every((records) => records.length === count && records.every((r, i) => r.index === first + i))) return lists;
    note(`The saved records of ${dataset} chunk ${chunk} do not hold examples ${first}..${first + count - 1}; computing that chunk again.`);
  } catch (error) {
    note(`The saved records of ${dataset} chunk ${chunk} are unreadable (${error instanceof Error ? error.message : String(error)}); computing that chunk again.`);
  }
  return undefined;
}

/**
 * `salience audit --model DIR --texts data.jsonl`: runs a token method over every text, chunk by
 * chunk (each saved in `<out>/.salience-audit/` as it finishes, so a rerun resumes), keeps only
 * per-token sums (`TextAuditCollector`), and writes report.html and summary.json.
 */
export async function runTextAudit(flags: AuditFlags, context: CliContext, cwd: string, dependencies: TextAuditDependencies = {}): Promise<number> {
  const started = performance.now();
  const signal = context.signal;
  const mode = progressMode(context.stderr, { json: Boolean(flags.json), quiet: Boolean(flags.quiet), noProgress: !flags.progress });
  const note =
    dependencies.note ??
    ((message: string) => {
      if (!flags.quiet) context.stderr.write(`note: ${message}\n`);
    });
  refuse(flags);
  if (flags.model === undefined)
    throw new CliError('usage', 'Give the text classifier with --model: a transformers.js / Optimum folder, or --model model.onnx --tokenizer tokenizer.json.');
  const texts = flags.texts as string;
  const shifted = flags.shifted?.[0];
  const explain = parseChoice(flags.explain ?? 'predicted', '--explain', ['predicted', 'label'] as const);
  const chunkSize = flags.chunkSize === undefined ? TEXT_AUDIT_CHUNK_SIZE : parseInteger(flags.chunkSize, '--chunk-size', 1);
  const top = flags.top === undefined ? undefined : parseInteger(flags.top, '--top', 1);
  const steps = flags.steps === undefined ? 50 : parseInteger(flags.steps, '--steps', 1);
  const window = flags.window === undefined ? 1 : parseInteger(flags.window, '--window', 1);
  const stride = flags.stride === undefined ? 1 : parseInteger(flags.stride, '--stride', 1);
  const out = flags.out;

  // Every path before any work: the files read, then the output folder.
  const file = (path: string | undefined, what: string) => (path === undefined ? [] : [{ path, what, kind: 'inputFile' as const }]);
  await checkReadPaths([
    ...file(texts, 'the texts'),
    ...file(shifted, 'the shifted texts'),
    ...file(flags.suspect, 'the --suspect file'),
    ...file(flags.labels, 'the --labels file'),
    ...file(flags.tokenizer, 'the --tokenizer file'),
    ...[flags.model, flags.compareModel].flatMap((path) => (path === undefined ? [] : [{ path, what: 'the model', kind: 'modelFile' as const, folder: true }])),
  ]);
  await checkAuditFolder(out, Boolean(flags.overwrite));
  const suspects = flags.suspect === undefined ? [] : parseSuspects(await readFile(flags.suspect, 'utf8'));
  if (flags.suspect !== undefined && suspects.length === 0) throw new CliError('inputFile', `--suspect ${flags.suspect} lists no token (one token or word per line).`);

  const ort = await importOnnxRuntime();
  const models: AuditedClassifier[] = [];
  let state: AuditState | undefined;
  try {
    for (const path of [flags.model, ...(flags.compareModel !== undefined ? [flags.compareModel] : [])]) {
      // --tokenizer belongs to --model; a compared .onnx finds its own beside it.
      const classifier = await openClassifier(ort, { model: path, tokenizer: models.length === 0 ? flags.tokenizer : undefined });
      models.push({
        name: modelName(
          path,
          models.map((m) => m.name),
        ),
        path,
        classifier,
      });
    }
    const { methods, skipped } = chooseMethods(flags, models, note);
    const fill = methods.includes('occlusion') ? occlusionFill(flags.baseline, models[0]!.classifier) : undefined;
    const settings: MethodSettings = { steps, window, stride, fill };
    const probe = await models[0]!.classifier.predict(models[0]!.classifier.encode('a'));
    const classes = probe.logits.shape[1]!;
    for (const m of models.slice(1)) {
      const other = (await m.classifier.predict(m.classifier.encode('a'))).logits.shape[1];
      if (other !== classes) throw new CliError('usage', `The compared model has ${other} classes and the audited one ${classes}; they must classify into the same classes.`);
    }
    const classNames = (await readClassNames(flags.labels)) ?? models[0]!.classifier.labels;
    throwIfAborted(signal);

    const datasets = [await listTexts(shifted ? 'clean' : 'data', texts, classNames, classes, signal)];
    if (shifted) datasets.push(await listTexts('shifted', shifted, classNames, classes, signal));
    if (explain === 'label') {
      const unlabelled = datasets.find((d) => d.labelled < d.count);
      if (unlabelled)
        throw new CliError('usage', `--explain label explains each text's true class, and ${unlabelled.path} has texts without a "label"; give labels, or --explain predicted.`);
    }
    const parameters = (method: TextMethodName): Record<string, unknown> =>
      method === 'occlusion'
        ? { window, stride, fill: fill?.name, fillId: fill?.id }
        : method.startsWith('ig')
          ? { steps, baselineTokenId: method === 'ig' ? models[0]!.classifier.padId : models[0]!.classifier.specialIds.mask }
          : {};
    const key = {
      kind: 'text',
      models: await Promise.all(
        models.map(async (m) => ({ files: await modelFiles(m.path), onnx: await fileDigest(m.classifier.modelFile), tokenizer: await fileDigest(flags.tokenizer) })),
      ),
      datasets: datasets.map((d) => ({ name: d.name, count: d.count, digest: d.digest })),
      methods: methods.map((m) => ({ name: m, parameters: parameters(m) })),
      explain,
      chunkSize,
      lengthBucket: LENGTH_BUCKET,
    };
    state = await openAuditState(out, key, { fresh: Boolean(flags.fresh), overwrite: Boolean(flags.overwrite), note });
    const chunkCounts = datasets.map((d) => Math.ceil(d.count / chunkSize));
    const total = chunkCounts.reduce((a, b) => a + b, 0);
    const collector = new TextAuditCollector({ classes: classes!, classNames, tokenOf: (model, id) => byName(models, model).classifier.tokenizer.token(id), suspects, top });
    const times: Record<string, Record<string, number>> = Object.fromEntries(models.map((m) => [m.name, {}]));
    const progress = dependencies.progress ?? createAuditProgress(mode, context.stderr);
    let saved = 0;
    for (const [d, dataset] of datasets.entries()) for (let c = 0; c < chunkCounts[d]!; c++) if (await state.hasChunk(dataset.name, c, models.length)) saved++;
    if (saved > 0) note(`resuming: ${saved} of ${total} chunks done (in ${join(out, STATE_FOLDER)}).`);
    let resumed = 0;
    let computed = 0;
    try {
      for (const dataset of datasets) {
        const bar = progress.start(dataset.name);
        const t0 = performance.now();
        let c = 0;
        try {
          for await (const examples of chunksOf(dataset.path, chunkSize)) {
            const first = c * chunkSize;
            const chunkStarted = performance.now();
            let records = await readSaved(state, dataset.name, c, models.length, first, examples.length, note);
            const fromDisk = records !== undefined;
            if (!records) {
              throwIfAborted(signal);
              records = await computeChunk(models, methods, examples, first, { explain, settings, classNames, classes: classes!, signal, times, note });
              await state.writeChunkBytes(dataset.name, c, records.map(encodeTextRecords));
              saved++;
              computed++;
            } else resumed++;
            const byModel = records;
            collector.add(dataset.name, Object.fromEntries(models.map((m, i) => [m.name, byModel[i]!])));
            bar.update(first + examples.length, dataset.count);
            bar.chunk({ chunk: c, chunks: Math.ceil(dataset.count / chunkSize), first, count: examples.length, timeMs: performance.now() - chunkStarted, resumed: fromDisk });
            dependencies.onChunk?.({ dataset: dataset.name, chunk: c, chunks: Math.ceil(dataset.count / chunkSize), resumed: fromDisk });
            c++;
          }
        } catch (error) {
          bar.fail();
          throw error;
        }
        bar.finish(`${dataset.count} texts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    } catch (error) {
      if (isAbort(error)) {
        throw new CliError('aborted', `Interrupted: ${saved} of ${total} chunks are saved in ${join(out, STATE_FOLDER)}; run the same command again to resume.`, { cause: error });
      }
      throw error;
    }
    throwIfAborted(signal);

    const result = collector.result();
    const summary = await writeOutputs(state, result, {
      models,
      datasets,
      methods: methods.map((m) => ({ name: m, description: TEXT_METHOD_DESCRIPTIONS[m], parameters: parameters(m) })),
      skipped,
      explain,
      chunkSize,
      suspects: { file: flags.suspect ?? null, tokens: suspects },
      chunks: { size: chunkSize, total, resumed, computed },
      times,
      started,
      signal,
    });
    if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else if (!flags.quiet) context.stdout.write(formatTextAuditSummary(summary, shown(summary.out, cwd)));
    return flags.failOnFindings && summary.findings.length > 0 ? EXIT_CODES.findings : EXIT_CODES.ok;
  } finally {
    await state?.release();
    for (const m of models) m.classifier.dispose();
  }
}

function byName(models: readonly AuditedClassifier[], name: string): AuditedClassifier {
  const found = models.find((m) => m.name === name);
  if (!found) throw new Error(`No model named ${name} in this audit.`);
  return found;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function writeOutputs(
  state: AuditState,
  result: TextAuditResult,
  job: {
    models: readonly AuditedClassifier[];
    datasets: readonly TextDataset[];
    methods: TextAuditSummary['configuration']['methods'];
    skipped: TextAuditSummary['configuration']['skipped'];
    explain: 'predicted' | 'label';
    chunkSize: number;
    suspects: TextAuditSummary['configuration']['suspects'];
    chunks: TextAuditSummary['chunks'];
    times: Record<string, Record<string, number>>;
    started: number;
    signal: AbortSignal | undefined;
  },
): Promise<TextAuditSummary> {
  const names = result.classNames;
  const html = textAuditReportHtml(result, {
    title: 'salience audit: text',
    subtitle: job.models[0]!.path,
    info: {
      [job.models.length > 1 ? 'models' : 'model']: job.models.map((m) => `${m.name} (${m.path})`).join(' against '),
      ...Object.fromEntries(job.datasets.map((d) => [d.name, `${d.count} texts from ${d.path}, ${d.labelled} labelled`])),
      methods: job.methods.map((m) => m.name).join(', '),
      explained: job.explain === 'label' ? 'the true class' : 'the predicted class',
      ...(job.suspects.tokens.length > 0 ? { suspects: `${job.suspects.tokens.length} from ${job.suspects.file}` } : {}),
    },
  });
  // Writing stops when asked: the chunks are saved, so a rerun only writes again.
  throwIfAborted(job.signal);
  await state.writeOutput('report.html', html);
  const summary: TextAuditSummary = {
    tool: 'salience',
    command: 'audit',
    kind: 'text',
    version: await packageVersion(),
    ok: true,
    out: state.out,
    report: 'report.html',
    models: job.models.map((m, i) => ({
      name: m.name,
      role: i === 0 ? 'audited' : 'compared',
      path: m.path,
      modelFile: m.classifier.modelFile ?? null,
      quantized: m.classifier.quantization.map((q) => q.op),
    })),
    classes: result.classes,
    classNames: names ? [...names] : null,
    datasets: job.datasets.map((d) => ({ name: d.name, path: d.path, count: d.count, labelled: d.labelled })),
    configuration: {
      methods: job.methods,
      skipped: job.skipped,
      explain: job.explain,
      chunkSize: job.chunkSize,
      suspects: job.suspects,
      thresholds: result.options,
    },
    groups: result.groups,
    shifts: result.shifts,
    comparisons: result.comparisons,
    findings: result.findings.map((f) => ({ ...f, className: names?.[f.class] ?? `class ${f.class}`, text: describe(f, names) })),
    chunks: job.chunks,
    methodTimeMs: Object.fromEntries(Object.entries(job.times).map(([m, t]) => [m, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v)]))])),
    timeMs: Math.round(performance.now() - job.started),
  };
  // Typed arrays (the shown examples' scores) as plain arrays; what is written is what is returned.
  const text = JSON.stringify(summary, (_key, value) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value), 2);
  throwIfAborted(job.signal);
  await state.writeOutput(SUMMARY_FILE, `${text}\n`);
  return JSON.parse(text) as TextAuditSummary;
}

const percent = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);

/** The summary for people: accuracy per dataset, the leading tokens per class, the findings, and where the files are. */
export function formatTextAuditSummary(summary: TextAuditSummary, folder: string): string {
  const texts = summary.datasets.reduce((n, d) => n + d.count, 0);
  const methods = summary.configuration.methods.map((m) => m.name).join(', ');
  const chunks = summary.chunks.resumed > 0 ? `; ${summary.chunks.resumed} of ${summary.chunks.total} chunks from the earlier run` : '';
  const lines = ['', `Audited ${summary.models.map((m) => m.name).join(' and ')} on ${texts} text(s) with ${methods}, ${(summary.timeMs / 1000).toFixed(1)} s${chunks}.`];
  const name = (c: number) => summary.classNames?.[c] ?? `class ${c}`;
  for (const g of summary.groups) {
    const accuracy = g.accuracy === null ? 'unlabelled' : `accuracy ${percent(g.accuracy)} (${g.correct}/${g.labelled})`;
    lines.push(`  ${g.model} on ${g.dataset}: ${g.count} texts, ${accuracy}`);
    for (const [method, s] of Object.entries(g.methods)) {
      for (const c of s.classes) {
        const tokens = c.top
          .slice(0, 5)
          .map((t) => `${t.token} ${percent(t.share)} (${t.lift.toFixed(1)}x)`)
          .join(', ');
        lines.push(`    ${method}, ${name(c.class)} (${c.examples}): ${tokens || 'no token seen often enough'}`);
      }
    }
  }
  if (summary.findings.length === 0)
    lines.push('', 'No findings: no class puts an outsized share of its attribution mass on punctuation, suspect tokens or a token without label meaning.');
  else {
    lines.push('', `Findings (${summary.findings.length}):`);
    for (const f of summary.findings) lines.push(`  ${f.text}`);
  }
  for (const c of summary.comparisons) {
    lines.push(
      `  ${c.first} against ${c.second}, ${c.method} on ${c.dataset}: same prediction ${percent(c.agreement)}${c.meanSimilarity === null ? '' : `, mean similarity ${c.meanSimilarity.toFixed(3)}`}`,
    );
  }
  lines.push('', `Wrote ${folder}/:`);
  lines.push(`  report.html    open ${folder}/report.html in a browser`);
  lines.push(`  summary.json   accuracy, per-class token shares and lifts, shifts, findings`);
  return `${lines.join('\n')}\n`;
}
