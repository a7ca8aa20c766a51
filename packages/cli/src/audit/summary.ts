import { type AuditResult, auditReportHtml, type Comparison, classLabel, classMeansFigure, describeFinding, type Finding, type GroupSummary } from '@salience/audit';
import { throwIfAborted } from '@salience/core';
import { encodePng } from '@salience/render';
import type { AuditRequest } from '../commands/settings.js';
import type { Preprocessing } from '../inputs/preprocessing.js';
import type { MethodName } from '../methods/methods.js';
import { builtinFacts } from '../models/builtin.js';
import { type LoadedModel, type ModelSummary, modelSummary } from '../models/loaded-model.js';
import { safeFileName } from '../outputs/file-stems.js';
import { SUMMARY_FILE } from '../outputs/staged-output.js';
import { packageVersion } from '../version.js';
import type { Dataset, LabelSource } from './dataset.js';
import type { AuditState } from './state.js';

type Shares = Readonly<Record<string, number>>;

/** What `salience audit --json` prints and `summary.json` holds. */
export interface AuditSummary {
  readonly tool: 'salience';
  readonly command: 'audit';
  readonly version: string;
  readonly ok: true;
  /** The output folder, absolute; files below are relative to it. */
  readonly out: string;
  readonly report: string;
  /** Per-class mean maps, one figure per (model, dataset, method). */
  readonly figures: readonly { readonly file: string; readonly model: string; readonly dataset: string; readonly method: string }[];
  readonly models: readonly (ModelSummary & {
    readonly name: string;
    readonly role: 'audited' | 'compared';
    readonly preprocessing: Preprocessing | null;
  })[];
  readonly classes: number;
  readonly classNames: readonly string[] | null;
  readonly datasets: readonly {
    readonly name: string;
    readonly paths: readonly string[];
    readonly kind: 'images' | 'tensor';
    readonly count: number;
    readonly labelled: number;
    readonly labels: LabelSource;
  }[];
  readonly configuration: {
    readonly methods: readonly { readonly name: MethodName; readonly id: string; readonly options: Readonly<Record<string, unknown>> }[];
    readonly skipped: readonly { readonly method: MethodName; readonly reason: string }[];
    readonly explain: 'predicted' | 'label';
    readonly objective: string;
    readonly seed: number;
    readonly batchSize: number | null;
    readonly chunkSize: number;
    readonly top: number;
    /** Per method: region names and the share of the map each covers. */
    readonly regions: Readonly<Record<string, Shares>>;
    readonly corner: number;
    readonly border: number | null;
    readonly region: AuditRequest['region'] | null;
  };
  /** The audit's group counts as `@salience/audit` reports them, with names and shares for the JSON. */
  readonly groups: readonly (Pick<GroupSummary, 'model' | 'dataset' | 'count' | 'labelled' | 'correct' | 'accuracy'> & {
    /** Mistakes by (true, predicted) class, most frequent first. */
    readonly confusion: readonly {
      readonly label: number;
      readonly predicted: number;
      readonly count: number;
      readonly labelName: string;
      readonly predictedName: string;
      /** Per method: mean share of these mistakes' saliency in each region. */
      readonly shares: Readonly<Record<string, Shares>>;
    }[];
    /** Per method: mean share of the saliency in each region, over all, correct and incorrect examples and per explained class. */
    readonly methods: Readonly<
      Record<
        string,
        {
          readonly all: Shares;
          readonly correct?: Shares;
          readonly incorrect?: Shares;
          readonly classes: readonly { readonly class: number; readonly name: string; readonly count: number; readonly shares: Shares }[];
        }
      >
    >;
  })[];
  /** Classes (or all examples) whose saliency concentrates in a corner, on the border or outside the region. */
  readonly findings: readonly (Finding & { readonly className: string; readonly text: string })[];
  /** Two models on the same examples: Spearman similarity of their maps. */
  readonly comparisons: readonly (Omit<Comparison, 'leastSimilar'> & {
    /** The examples on which the two models' maps agree least, least first. */
    readonly leastSimilar: readonly {
      readonly index: number;
      readonly name: string;
      readonly label: number | null;
      readonly predicted: readonly [number, number];
      readonly similarity: number;
    }[];
  })[];
  readonly chunks: { readonly size: number; readonly total: number; readonly resumed: number; readonly computed: number };
  /** Milliseconds per model and method, over the chunks computed by this run. */
  readonly methodTimeMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly timeMs: number;
}

export interface AuditOutputJob {
  readonly request: AuditRequest;
  readonly state: AuditState;
  readonly result: AuditResult;
  readonly models: readonly {
    readonly name: string;
    readonly path: string;
    readonly builtin: boolean;
    readonly loaded: LoadedModel;
    readonly role: 'audited' | 'compared';
    readonly preprocessing: Preprocessing | null;
  }[];
  readonly datasets: readonly Dataset[];
  readonly methods: AuditSummary['configuration']['methods'];
  readonly skipped: AuditSummary['configuration']['skipped'];
  readonly classNames: readonly string[] | undefined;
  readonly chunks: AuditSummary['chunks'];
  readonly methodTimeMs: AuditSummary['methodTimeMs'];
  readonly started: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function labelsText(dataset: Dataset): string {
  const l = dataset.labels;
  if (l.kind === 'truth') return `labels from ${l.file}`;
  if (l.kind === 'folders') return `labels from class folders (${l.match})`;
  return 'unlabelled';
}

/** Writes report.html, the class-mean figures and summary.json into the audit's folder. */
export async function writeAuditOutputs(job: AuditOutputJob): Promise<AuditSummary> {
  const { result, request, state } = job;
  const name = (c: number) => classLabel(c, job.classNames);

  const figures: AuditSummary['figures'][number][] = [];
  for (const group of result.groups) {
    for (const method of Object.keys(group.methods)) {
      const file = `class-means-${safeFileName(group.model)}-${safeFileName(group.dataset)}-${safeFileName(method)}.png`;
      // Writing stops when asked: the chunks are saved, so a rerun only renders again.
      throwIfAborted(job.request.signal);
      await state.writeOutput(file, encodePng(classMeansFigure(result, { model: group.model, dataset: group.dataset, method })));
      figures.push({ file, model: group.model, dataset: group.dataset, method });
    }
  }

  const facts = job.models[0]!.builtin ? await builtinFacts() : undefined;
  const models = job.models.map((m) => `${m.name} (${m.builtin ? 'built-in Fashion-MNIST CNN' : m.path})`);
  const html = auditReportHtml(result, {
    title: 'salience audit',
    subtitle: facts ? `built-in Fashion-MNIST CNN (${facts.parameters} parameters, test accuracy ${(facts.testAccuracy * 100).toFixed(1)}%)` : job.models[0]!.path,
    info: {
      [job.models.length > 1 ? 'models' : 'model']: models.join(' against '),
      ...Object.fromEntries(job.datasets.map((d) => [d.name, `${d.examples.length} ${d.kind === 'images' ? 'images' : '.npy rows'} from ${d.paths.join(', ')}, ${labelsText(d)}`])),
      methods: job.methods.map((m) => m.name).join(', '),
      explained: request.explain === 'label' ? 'the true class' : 'the predicted class',
      regions: Object.entries(Object.values(result.regions)[0] ?? {})
        .map(([r, a]) => `${r} ${(a * 100).toFixed(1)}%`)
        .join(', '),
      ...(job.skipped.length > 0 ? { skipped: job.skipped.map((s) => s.method).join(', ') } : {}),
    },
  });
  throwIfAborted(job.request.signal);
  await state.writeOutput('report.html', html);

  const summary: AuditSummary = {
    tool: 'salience',
    command: 'audit',
    version: await packageVersion(),
    ok: true,
    out: state.out,
    report: 'report.html',
    figures,
    models: job.models.map((m) => ({ name: m.name, role: m.role, ...modelSummary(m.path, m.builtin, m.loaded), preprocessing: m.preprocessing })),
    classes: result.classes,
    classNames: job.classNames ? [...job.classNames] : null,
    datasets: job.datasets.map((d) => ({
      name: d.name,
      paths: d.paths,
      kind: d.kind,
      count: d.examples.length,
      labelled: d.examples.filter((e) => e.label !== null).length,
      labels: d.labels,
    })),
    configuration: {
      methods: job.methods,
      skipped: job.skipped,
      explain: request.explain ?? 'predicted',
      objective: typeof request.objective === 'string' ? request.objective : 'logit',
      seed: request.seed ?? 0,
      batchSize: request.batchSize ?? null,
      chunkSize: job.chunks.size,
      top: request.top ?? 12,
      regions: result.regions,
      corner: request.corner ?? 0.25,
      border: request.border ?? null,
      region: request.region ?? null,
    },
    groups: result.groups.map((g) => ({
      model: g.model,
      dataset: g.dataset,
      count: g.count,
      labelled: g.labelled,
      correct: g.correct,
      accuracy: g.accuracy,
      confusion: g.confusion.map((p) => ({
        label: p.label,
        predicted: p.predicted,
        count: p.count,
        labelName: name(p.label),
        predictedName: name(p.predicted),
        shares: Object.fromEntries(Object.entries(p.means).map(([method, mean]) => [method, mean.shares])),
      })),
      methods: Object.fromEntries(
        Object.entries(g.methods).map(([method, s]) => [
          method,
          {
            all: s.all.shares,
            ...(s.correct ? { correct: s.correct.shares } : {}),
            ...(s.incorrect ? { incorrect: s.incorrect.shares } : {}),
            classes: s.classes.map((c) => ({ class: c.class, name: name(c.class), count: c.count, shares: c.shares })),
          },
        ]),
      ),
    })),
    findings: result.findings.map((f) => ({ ...f, className: classLabel(f.class, job.classNames), text: describeFinding(f, job.classNames) })),
    comparisons: result.comparisons.map((c) => ({
      dataset: c.dataset,
      method: c.method,
      first: c.first,
      second: c.second,
      count: c.count,
      meanSimilarity: c.meanSimilarity,
      agreement: c.agreement,
      classes: c.classes,
      leastSimilar: c.leastSimilar.map((p) => ({
        index: p.first.index,
        name: p.first.name,
        label: p.first.label,
        predicted: [p.first.predicted, p.second.predicted] as const,
        similarity: p.similarity,
      })),
    })),
    chunks: job.chunks,
    methodTimeMs: Object.fromEntries(Object.entries(job.methodTimeMs).map(([m, times]) => [m, Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(v)]))])),
    timeMs: Math.round(performance.now() - job.started),
  };
  // What is written is what is returned (JSON has no NaN: a comparison without examples says null).
  const text = JSON.stringify(summary, null, 2);
  await state.writeOutput(SUMMARY_FILE, `${text}\n`);
  return JSON.parse(text) as AuditSummary;
}

const percent = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);

/** The summary for people: accuracy, confusions, findings, similarity, and where the files are. */
export function formatAuditSummary(summary: AuditSummary, folder: string): string {
  const examples = summary.datasets.reduce((n, d) => n + d.count, 0);
  const methods = summary.configuration.methods.map((m) => m.name).join(', ');
  const chunks = summary.chunks.resumed > 0 ? `; ${summary.chunks.resumed} of ${summary.chunks.total} chunks from the earlier run` : '';
  const lines = ['', `Audited ${summary.models.map((m) => m.name).join(' and ')} on ${examples} example(s) with ${methods}, ${(summary.timeMs / 1000).toFixed(1)} s${chunks}.`];
  const name = (c: number) => summary.classNames?.[c] ?? `class ${c}`;
  for (const g of summary.groups) {
    const accuracy = g.accuracy === null ? 'unlabelled' : `accuracy ${percent(g.accuracy)} (${g.correct}/${g.labelled})`;
    const confusions = g.confusion
      .slice(0, 3)
      .map((p) => `${name(p.label)} -> ${name(p.predicted)} ${p.count}`)
      .join(', ');
    lines.push(`  ${g.model} on ${g.dataset}: ${g.count} examples, ${accuracy}${confusions ? `; most confused: ${confusions}` : ''}`);
  }
  if (summary.findings.length === 0) lines.push('', 'No findings: no class puts unusual saliency in a corner, on the border or outside the region.');
  else {
    lines.push('', `Findings (${summary.findings.length}):`);
    for (const f of summary.findings) lines.push(`  ${f.text}`);
  }
  for (const c of summary.comparisons) {
    lines.push(
      `  ${c.first} against ${c.second}, ${c.method} on ${c.dataset}: mean similarity ${Number.isFinite(c.meanSimilarity) ? c.meanSimilarity.toFixed(3) : 'n/a'}, same prediction ${percent(c.agreement)}`,
    );
  }
  lines.push('', `Wrote ${folder}/:`);
  lines.push(`  report.html       open ${folder}/report.html in a browser`);
  lines.push(`  summary.json      counts, accuracy, confusion pairs, per-class shares, findings`);
  if (summary.figures.length > 0) lines.push(`  class-means-*.png per-class mean saliency, ${summary.figures.length} figure(s)`);
  return `${lines.join('\n')}\n`;
}
