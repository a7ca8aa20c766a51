import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attribution } from '@salience/core';
import { escapeHtml, REPORT_STYLESHEET, tokensToAnsi, tokensToHtml } from '@salience/render';
import type { EncodedBatch, EncodedText, TextClassifier, TextPrediction } from '@salience/text';
import { writeNpy } from '../inputs/npy.js';
import type { TextExample } from '../inputs/texts.js';
import { shown } from './display.js';

/** One method's maps, one per text (batches of one text). */
export interface TextRun {
  readonly method: string;
  readonly description: string;
  readonly attributions: readonly Attribution[];
  readonly timeMs: number;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export interface TextOutputJob {
  readonly classifier: TextClassifier;
  readonly modelPath: string;
  readonly examples: readonly TextExample[];
  readonly encoded: readonly EncodedBatch[];
  readonly predictions: readonly TextPrediction[];
  readonly targets: readonly number[];
  readonly runs: readonly TextRun[];
  readonly out: string;
}

/** What summary.json holds (and `--json` prints). */
export interface TextRunSummary {
  readonly tool: 'salience';
  readonly command: 'explain';
  readonly kind: 'text';
  readonly model: string;
  readonly modelFile: string | null;
  readonly quantized: readonly string[];
  readonly classes: readonly string[];
  readonly methods: readonly { readonly name: string; readonly description: string; readonly timeMs: number; readonly parameters?: Readonly<Record<string, unknown>> }[];
  readonly texts: readonly {
    readonly text: string;
    readonly source: string;
    readonly label?: string;
    readonly folder: string;
    readonly tokens: readonly string[];
    readonly predicted: { readonly index: number; readonly label: string; readonly probability: number };
    readonly probabilities: Readonly<Record<string, number>>;
    readonly target: { readonly index: number; readonly label: string };
    readonly files: readonly string[];
  }[];
}

const className = (labels: readonly string[] | undefined, i: number) => labels?.[i] ?? String(i);

/** Each token as it reads in the text: the whitespace before it, then its characters (special tokens by name). */
export function displayTokens(e: EncodedText): string[] {
  let end = 0;
  return e.ids.map((_, i) => {
    if (e.special[i]!) return i === 0 ? `${e.tokens[i]!} ` : ` ${e.tokens[i]!}`;
    const [s, t] = e.offsets[i]!;
    if (t <= end && t > s) return ''; // a byte of a character that the token before shows
    const gap = s > end ? e.text.slice(end, s).replace(/\s+/g, ' ') : '';
    const piece = e.text.slice(Math.max(s, end), t);
    end = Math.max(end, t);
    return gap + piece;
  });
}

/** Plain JSON values of a method's meta (typed arrays as arrays). */
function plainMeta(meta: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (ArrayBuffer.isView(v)) out[k] = Array.from(v as unknown as ArrayLike<number>);
    else if (v === undefined || typeof v === 'function') continue;
    else out[k] = v;
  }
  return out;
}

/** Writes `<text-N>/<method>.json` and `.npy`, report.html and summary.json into `dir`. */
export async function writeTextOutputs(dir: string, job: TextOutputJob): Promise<TextRunSummary> {
  const { classifier, examples, encoded, predictions, targets, runs } = job;
  const labels = classifier.labels;
  const classes = predictions[0]!.logits.shape[1]!;
  const classNames = Array.from({ length: classes }, (_, i) => className(labels, i));
  const width = String(examples.length).length;
  const texts: TextRunSummary['texts'][number][] = [];
  for (const [i, example] of examples.entries()) {
    const folder = `text-${String(i + 1).padStart(width, '0')}`;
    await mkdir(join(dir, folder), { recursive: true });
    const e = encoded[i]!.texts[0]!;
    const p = predictions[i]!;
    const probs = Array.from(p.probabilities.data);
    const predicted = p.predicted[0]!;
    const probabilities = Object.fromEntries(classNames.map((c, k) => [c, probs[k]!]));
    const files: string[] = [];
    for (const run of runs) {
      const a = run.attributions[i]!;
      const scores = Array.from(a.values.data);
      const record = {
        method: run.method,
        description: run.description,
        text: example.text,
        source: example.source,
        ...(example.label !== undefined ? { label: example.label } : {}),
        tokens: e.tokens,
        ids: e.ids,
        offsets: e.offsets,
        special: e.special,
        scores,
        target: { index: targets[i], label: classNames[targets[i]!] },
        prediction: { index: predicted, label: classNames[predicted], probabilities },
        parameters: run.parameters ?? {},
        meta: plainMeta(a.meta as Record<string, unknown>),
        model: job.modelPath,
        quantized: classifier.quantization.map((q) => q.op),
      };
      await writeFile(join(dir, folder, `${run.method}.json`), `${JSON.stringify(record, null, 1)}\n`);
      await writeFile(join(dir, folder, `${run.method}.npy`), writeNpy({ data: Float32Array.from(scores), shape: [scores.length] }));
      files.push(`${folder}/${run.method}.json`, `${folder}/${run.method}.npy`);
    }
    texts.push({
      text: example.text,
      source: example.source,
      ...(example.label !== undefined ? { label: example.label } : {}),
      folder,
      tokens: e.tokens,
      predicted: { index: predicted, label: classNames[predicted]!, probability: probs[predicted]! },
      probabilities,
      target: { index: targets[i]!, label: classNames[targets[i]!]! },
      files,
    });
  }
  const summary: TextRunSummary = {
    tool: 'salience',
    command: 'explain',
    kind: 'text',
    model: job.modelPath,
    modelFile: classifier.modelFile ?? null,
    quantized: classifier.quantization.map((q) => q.op),
    classes: classNames,
    methods: runs.map((r) => ({ name: r.method, description: r.description, timeMs: r.timeMs, ...(r.parameters ? { parameters: r.parameters } : {}) })),
    texts,
  };
  await writeFile(join(dir, 'report.html'), textReport(summary, job));
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

const percent = (p: number) => `${(p * 100).toFixed(1)}%`;

/** report.html: per text the prediction with every class's probability, and one highlighted line per method with its legend. */
export function textReport(summary: TextRunSummary, job: TextOutputJob): string {
  const sections = summary.texts.map((t, i) => {
    const e = job.encoded[i]!.texts[0]!;
    const bars = summary.classes
      .map((c) => {
        const p = t.probabilities[c]!;
        const mark = c === t.predicted.label ? ' <b>predicted</b>' : '';
        const target = c === t.target.label ? ' <i>explained</i>' : '';
        return `<tr><td>${escapeHtml(c)}</td><td><span style="display:inline-block;height:10px;width:${(p * 160).toFixed(1)}px;background:#4a7fd4"></span> ${percent(p)}${mark}${target}</td></tr>`;
      })
      .join('');
    const rows = job.runs
      .map((run) => {
        const scores = run.attributions[i]!.values.data;
        const html = tokensToHtml(displayTokens(e), scores, { separator: '', signed: run.method === 'gradient' ? false : undefined });
        return `<h3>${escapeHtml(run.method)}</h3><p class="muted" style="margin:0 0 4px">${escapeHtml(run.description)}</p>${html}`;
      })
      .join('');
    return `<section class="card" style="margin:16px 0;padding:12px"><h2>${escapeHtml(t.folder)}: “${escapeHtml(t.text)}”</h2>
<p class="muted">${escapeHtml(t.source)}${t.label !== undefined ? ` · label ${escapeHtml(t.label)}` : ''} · explained class: <b>${escapeHtml(t.target.label)}</b></p>
<table>${bars}</table>${rows}</section>`;
  });
  const legend = `<p>Each token is coloured by its score for the explained class: red raises the class's logit, blue lowers it, white is 0; each line has its own scale (the bar under it).
Padding is not scored; special tokens (${escapeHtml(['[CLS]', '[SEP]', '<s>', '</s>'].join(' '))}) are shown by name.</p>`;
  const quantized =
    summary.quantized.length > 0
      ? `<p><b>Quantized model</b> (${escapeHtml(summary.quantized.join(', '))}): forward-only methods only; use the float model for gradient methods.</p>`
      : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>salience: text report</title><style>${REPORT_STYLESHEET}</style></head>
<body><main><h1>salience explain: text</h1><p>Model <code>${escapeHtml(summary.model)}</code>, classes ${summary.classes.map(escapeHtml).join(', ')}.
Methods: ${summary.methods.map((m) => `<b>${escapeHtml(m.name)}</b> (${escapeHtml(m.description)})`).join('; ')}.</p>${quantized}${legend}${sections.join('\n')}</main></body></html>\n`;
}

/** What the terminal shows: per text the prediction and one line per method (coloured on a terminal, the top tokens otherwise). */
export function textLines(summary: TextRunSummary, o: { colour: boolean; cwd: string; out: string; runs: readonly TextRun[]; encoded: readonly EncodedBatch[] }): string {
  const lines: string[] = [];
  const width = Math.max(...o.runs.map((r) => r.method.length), 10);
  summary.texts.forEach((t, i) => {
    const e = o.encoded[i]!.texts[0]!;
    const others = summary.classes.filter((c) => c !== t.predicted.label).map((c) => `${c} ${t.probabilities[c]!.toFixed(2)}`);
    lines.push('', `${t.folder}  "${t.text}"`);
    lines.push(
      `  ${'prediction'.padEnd(width)}  ${t.predicted.label} ${t.predicted.probability.toFixed(2)}${others.length ? `  (${others.join(', ')})` : ''}${t.target.index !== t.predicted.index ? `; explaining ${t.target.label}` : ''}`,
    );
    for (const run of o.runs) {
      const scores = run.attributions[i]!.values.data;
      if (o.colour) {
        lines.push(
          `  ${run.method.padEnd(width)}  ${tokensToAnsi(displayTokens(e), scores, { separator: '', legend: false, signed: run.method === 'gradient' ? false : undefined })}`,
        );
        continue;
      }
      const order = [...scores.keys()].filter((k) => !e.special[k]).sort((a, b) => Math.abs(scores[b]!) - Math.abs(scores[a]!));
      const top = order.slice(0, 4).map((k) => `${e.text.slice(...e.offsets[k]!) || e.tokens[k]} ${scores[k]! >= 0 ? '+' : ''}${scores[k]!.toPrecision(2)}`);
      lines.push(`  ${run.method.padEnd(width)}  ${top.join('  ')}`);
    }
  });
  lines.push(
    '',
    `Wrote ${shown(o.out, o.cwd)}/: report.html, summary.json, and <method>.json + .npy for each text (${summary.texts
      .map((t) => t.folder)
      .slice(0, 3)
      .join(', ')}${summary.texts.length > 3 ? ', ...' : ''}).`,
  );
  return `${lines.join('\n')}\n`;
}
