import {
  type Attribution,
  type ChannelReduction,
  type Normalization,
  OptionError,
  reduceChannels,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { cssGradient } from './colorbar.js';
import { type Colormap, type ColormapName, colormap, rgbToHex } from './colormap.js';
import { type DisplaySign, toDisplayMap } from './display-map.js';
import { DEFAULT_DIVERGING_COLORMAP, DEFAULT_SEQUENTIAL_COLORMAP, fitMap, heatmapImage } from './heatmap.js';
import { escapeHtml as esc } from './html-escape.js';
import type { RgbaImage } from './image.js';
import { overlay } from './overlay.js';
import { pngDataUri } from './png.js';
import { softmax, topK } from './predictions.js';
import { REPORT_CSS } from './report-style.js';
import { htmlDocument } from './html-document.js';
import { asNumberList, formatNumber, formatValue } from './report-values.js';
import { formatScore } from './token-colours.js';
import { tokensToHtml } from './token-html.js';

/** How maps are turned into pictures; set for the whole report and overridden per method. */
export interface ReportDisplay {
  /** Default 'absolute' for images (Captum's default), 'all' for token and feature scores. */
  readonly sign?: DisplaySign;
  /** Default 'sum' (Captum's). */
  readonly channelReduction?: ChannelReduction;
  /** Default 'percentile'. */
  readonly normalization?: Normalization | 'none';
  /** Default 2. */
  readonly outlierPercent?: number;
  /** Default 'inferno' for unsigned images; 'blue-white-red' for sign 'all' and for token and feature scores. */
  readonly colormap?: ColormapName | Colormap;
  /** Overlay opacity; default 0.65. */
  readonly opacity?: number;
  /** Overlay: scale the opacity by each pixel's magnitude; default true. */
  readonly opacityByValue?: boolean;
  /** Overlay: hide magnitudes below this; default 0. */
  readonly threshold?: number;
  /** Overlay: draw the input in gray under the colours; default false. */
  readonly grayscale?: boolean;
}

export interface ReportExample {
  /** The input as an image (see `inputToImage`). */
  readonly image?: RgbaImage;
  /** The input's tokens, for text models whose attributions are 'NT' or 'NTD'. */
  readonly tokens?: readonly string[];
  readonly name?: string;
  /** The true class: an index into `classNames`, or a name. */
  readonly label?: number | string;
  /** The model's raw scores for this example; turned into probabilities with a softmax. */
  readonly logits?: ArrayLike<number>;
  /** Probabilities, when already computed (used instead of `logits`). */
  readonly probabilities?: ArrayLike<number>;
}

export interface ReportMethod {
  readonly attribution: Attribution;
  /** Display name; default `attribution.method`. */
  readonly name?: string;
  /**
   * Wall time of the call; default `meta.timeMs` (or `durationMs`, `elapsedMs`) when present.
   * Other meta entries are shown as parameters, except per-row facts: `convergenceDelta` (or
   * `delta`) and typed arrays with one value per attribution row, shown beside each row.
   */
  readonly timeMs?: number;
  /** One line shown under the name. */
  readonly description?: string;
  readonly display?: ReportDisplay;
}

export interface ReportInput {
  readonly title?: string;
  readonly subtitle?: string;
  /** Facts shown under the title: model, backend, versions, dataset... */
  readonly info?: Readonly<Record<string, string | number | boolean>>;
  readonly classNames?: readonly string[];
  /** Names of the inputs of feature-vector ('NC') models. */
  readonly featureNames?: readonly string[];
  readonly examples: readonly ReportExample[];
  readonly methods: readonly ReportMethod[];
  /** Predictions listed per example; default 5. */
  readonly topK?: number;
  readonly display?: ReportDisplay;
  /** CSS pixels of the longer side of every picture; default 176. */
  readonly imageSize?: number;
}

const TIME_KEYS = ['timeMs', 'durationMs', 'elapsedMs', 'time_ms'];
const DELTA_KEYS = ['convergenceDelta', 'delta', 'deltas'];

/**
 * One self-contained HTML page (images as data: URIs, inline CSS, no scripts, nothing fetched):
 * a summary of the methods, the colormaps' legends, then per example the input, its top
 * predictions and, per method and target, the heatmap, the overlay and the method's facts.
 */
export function htmlReport(report: ReportInput): string {
  if (!report || !Array.isArray(report.examples) || !Array.isArray(report.methods)) {
    throw new OptionError('htmlReport needs { examples: [...], methods: [...] }.');
  }
  const size = report.imageSize ?? 176;
  if (!(size > 0)) throw new OptionError(`imageSize must be positive; got ${size}.`);
  const k = report.topK ?? 5;
  const methods = report.methods.map((m, i) => prepareMethod(m, i, report));
  const title = report.title ?? 'Saliency report';
  const usedColormaps = new Map<string, PreparedMethod>();
  for (const m of methods) if (!usedColormaps.has(legendKey(m))) usedColormaps.set(legendKey(m), m);

  const body = [
    `<h1>${esc(title)}</h1>`,
    report.subtitle ? `<p class="subtitle">${esc(report.subtitle)}</p>` : '',
    infoHtml(report.info),
    summaryHtml(methods),
    usedColormaps.size > 0
      ? `<section class="card"><h2>Colour scales</h2><div class="legends" style="margin-top:10px">${[...usedColormaps.values()].map(legendHtml).join('')}</div></section>`
      : '',
    report.examples.length === 0 ? '<p class="empty">No examples.</p>' : '',
    ...report.examples.map((example, i) => exampleHtml(example, i, report, methods, k, size)),
    '<footer>Generated by @salience/render</footer>',
  ];
  return htmlDocument(title, REPORT_CSS, body.join('\n'));
}

interface PreparedMethod {
  readonly source: ReportMethod;
  readonly name: string;
  readonly kind: 'image' | 'tokens' | 'features';
  readonly display: Required<Omit<ReportDisplay, 'colormap'>> & { readonly colormap: Colormap };
  readonly timeMs: number | undefined;
  /** Meta shown once per method. */
  readonly parameters: readonly [string, unknown][];
  /** Meta with one value per attribution row. */
  readonly perRow: readonly [string, ArrayLike<number>][];
  readonly rows: number;
  /** Per row: [H, W] maps, token scores or feature scores, after sign (and normalisation for images). */
  readonly views: readonly TensorData[];
}

function prepareMethod(method: ReportMethod, position: number, report: ReportInput): PreparedMethod {
  const attribution = method?.attribution;
  if (!attribution?.values?.shape) throw new OptionError(`methods[${position}] needs an attribution with values.`);
  const kind = attribution.layout === 'NT' || attribution.layout === 'NTD' ? 'tokens' : attribution.layout === 'NC' ? 'features' : 'image';
  const merged = { ...report.display, ...method.display };
  const sign = merged.sign ?? (kind === 'image' ? 'absolute' : 'all');
  const display = {
    sign,
    channelReduction: merged.channelReduction ?? 'sum',
    normalization: merged.normalization ?? 'percentile',
    outlierPercent: merged.outlierPercent ?? 2,
    // Token and feature scores sit on white (a diverging map's upper half when unsigned).
    colormap: colormap(merged.colormap ?? (sign === 'all' || kind !== 'image' ? DEFAULT_DIVERGING_COLORMAP : DEFAULT_SEQUENTIAL_COLORMAP)),
    opacity: merged.opacity ?? 0.65,
    opacityByValue: merged.opacityByValue ?? true,
    threshold: merged.threshold ?? 0,
    grayscale: merged.grayscale ?? false,
  } as const;
  const rows = attribution.values.shape[0] ?? 0;
  for (let r = 0; r < rows; r++) {
    const example = attribution.examples ? attribution.examples[r] : r;
    if (!(example >= 0 && example < report.examples.length)) {
      throw new OptionError(
        `Attribution '${attribution.method}' row ${r} explains example ${example}, but the report has ${report.examples.length} examples.`,
      );
    }
  }
  const meta = attribution.meta ?? {};
  let timeMs = method.timeMs;
  const parameters: [string, unknown][] = [];
  const perRow: [string, ArrayLike<number>][] = [];
  for (const [key, value] of Object.entries(meta)) {
    if (TIME_KEYS.includes(key) && typeof value === 'number') {
      timeMs ??= value;
      continue;
    }
    const list = asNumberList(value);
    // A delta, or any typed array, with one value per row is a per-row fact; plain arrays
    // (window shapes, strides) are parameters.
    const perRowShaped = list !== undefined && list.length === rows && (DELTA_KEYS.includes(key) || ArrayBuffer.isView(value));
    if (perRowShaped) perRow.push([key, list]);
    else if (typeof value === 'number' && DELTA_KEYS.includes(key) && rows === 1) perRow.push([key, [value]]);
    else parameters.push([key, value]);
  }
  return {
    source: method,
    name: method.name ?? attribution.method ?? `method ${position + 1}`,
    kind,
    display,
    timeMs,
    parameters,
    perRow,
    rows,
    views: views(attribution, kind, display),
  };
}

function views(attribution: Attribution, kind: PreparedMethod['kind'], display: PreparedMethod['display']): TensorData[] {
  if (kind === 'image') return toDisplayMap(attribution, display);
  const values =
    attribution.layout === 'NTD' ? reduceChannels(attribution.values, 'tokens', display.channelReduction) : attribution.values;
  if (values.shape.length !== 2) {
    throw new ShapeError(`Attribution '${attribution.method}' in layout '${attribution.layout}' has shape [${values.shape.join(', ')}]; expected [N, T] or [N, F].`);
  }
  const [rows, length] = values.shape;
  const out: TensorData[] = [];
  for (let r = 0; r < rows; r++) {
    const row = values.data.slice(r * length, (r + 1) * length);
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (display.sign === 'absolute') row[i] = Math.abs(v);
      else if (display.sign === 'positive') row[i] = Math.max(0, v);
      else if (display.sign === 'negative') row[i] = Math.max(0, -v);
    }
    out.push({ data: row, shape: [length] });
  }
  return out;
}

function legendKey(m: PreparedMethod): string {
  return `${m.display.colormap.name}|${m.display.sign === 'all' ? 'signed' : 'unsigned'}`;
}

function signWords(sign: DisplaySign): string {
  return sign === 'all' ? 'signed' : sign === 'absolute' ? '|attribution|' : sign === 'positive' ? 'positive part' : 'negative part';
}

function normalisationWords(d: PreparedMethod['display']): string {
  if (d.normalization === 'percentile') return `scaled to the ${formatNumber(100 - d.outlierPercent)}% cumulative mass`;
  if (d.normalization === 'none') return 'raw values';
  return d.normalization;
}

/** The colorbar as a CSS gradient over the part of the domain the values use. */
function colorbarHtml(m: PreparedMethod): string {
  const cmap = m.display.colormap;
  const signed = m.display.sign === 'all';
  // Unsigned values on a diverging map use its upper half only.
  const halfOfDiverging = !signed && cmap.kind === 'diverging';
  const gradient = halfOfDiverging ? halfGradient(cmap) : cssGradient(cmap);
  const ticks = signed ? ['−1', '0', '+1'] : ['0', '0.5', '1'];
  return `<div class="colorbar" style="background:${gradient}"></div><div class="ticks">${ticks.map((t) => `<span>${t}</span>`).join('')}</div>`;
}

function halfGradient(cmap: Colormap): string {
  const stops: string[] = [];
  for (let s = 0; s <= 16; s++) stops.push(`${rgbToHex(cmap(s / 16))} ${((s / 16) * 100).toFixed(2)}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

function legendHtml(m: PreparedMethod): string {
  const words = m.display.sign === 'all' ? 'negative ← 0 → positive' : `${signWords(m.display.sign)}, low → high`;
  return `<div class="legend"><span class="name">${esc(m.display.colormap.name)}</span>${colorbarHtml(m)}<span class="ticks">${esc(words)}</span></div>`;
}

function infoHtml(info: ReportInput['info']): string {
  if (!info) return '';
  const items = Object.entries(info).map(([key, value]) => `<span><b>${esc(key)}</b> ${esc(formatValue(value))}</span>`);
  return items.length ? `<div class="info">${items.join('')}</div>` : '';
}

function chipsHtml(entries: readonly [string, unknown][]): string {
  if (entries.length === 0) return '<span class="empty">none</span>';
  return `<div class="chips">${entries
    .map(([key, value]) => `<span class="chip"><span class="k">${esc(key)}</span> <code>${esc(formatValue(value))}</code></span>`)
    .join('')}</div>`;
}

function timeText(ms: number | undefined): string {
  return ms === undefined ? '—' : `${formatNumber(Number(ms.toFixed(ms < 10 ? 2 : 1)))} ms`;
}

function summaryHtml(methods: readonly PreparedMethod[]): string {
  if (methods.length === 0) return '<section class="card"><h2>Methods</h2><p class="empty">No methods.</p></section>';
  const rows = methods.map((m) => {
    const a = m.source.attribution;
    const description = m.source.description ? `<div class="ticks" style="justify-content:flex-start">${esc(m.source.description)}</div>` : '';
    return `<tr><td><b>${esc(m.name)}</b>${description}</td><td class="num">${esc(a.layout)} [${esc(a.values.shape.join(', '))}]</td><td class="num">${esc(timeText(m.timeMs))}</td><td>${chipsHtml(m.parameters)}</td></tr>`;
  });
  return `<section class="card"><h2>Methods</h2><table style="margin-top:8px"><thead><tr><th>Method</th><th>Values</th><th>Time</th><th>Parameters</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function className(report: ReportInput, index: number): string {
  return report.classNames?.[index] ?? `class ${index}`;
}

function probabilitiesOf(example: ReportExample): ArrayLike<number> | undefined {
  if (example.probabilities) return example.probabilities;
  return example.logits ? softmax(example.logits) : undefined;
}

function labelIndex(example: ReportExample, report: ReportInput): number | undefined {
  if (typeof example.label === 'number') return example.label;
  if (typeof example.label === 'string' && report.classNames) {
    const i = report.classNames.indexOf(example.label);
    return i >= 0 ? i : undefined;
  }
  return undefined;
}

function exampleHtml(
  example: ReportExample,
  index: number,
  report: ReportInput,
  methods: readonly PreparedMethod[],
  k: number,
  size: number,
): string {
  const probabilities = probabilitiesOf(example);
  const truth = labelIndex(example, report);
  const ranked = probabilities && probabilities.length > 0 ? topK(probabilities, Math.min(k, probabilities.length)) : [];
  const badges: string[] = [];
  if (example.label !== undefined) {
    const label = typeof example.label === 'number' ? className(report, example.label) : example.label;
    badges.push(`<span class="badge">label: ${esc(label)}</span>`);
  }
  if (ranked.length > 0) {
    const top = ranked[0].index;
    const verdict = truth === undefined ? '' : truth === top ? ' ok' : ' bad';
    badges.push(`<span class="badge${verdict}">predicted: ${esc(className(report, top))}</span>`);
  }
  const head = `<div class="example-head"><h2>Example ${index + 1}${example.name ? ` · ${esc(example.name)}` : ''}</h2>${badges.join('')}</div>`;
  const input = example.image ? figureHtml(example.image, 'input', `input ${example.image.width}×${example.image.height}`, size) : '';
  const predictions =
    ranked.length > 0
      ? `<div class="predictions"><h3>Top ${ranked.length} predictions</h3><ol>${ranked
          .map(
            (c) =>
              `<li class="pred${c.index === truth ? ' true' : ''}"><span class="cls" title="${esc(className(report, c.index))}">${esc(className(report, c.index))}</span><span class="track"><span class="fill" style="display:block;width:${(Math.max(0, Math.min(1, c.score)) * 100).toFixed(1)}%"></span></span><span class="p num">${(c.score * 100).toFixed(c.score >= 0.9995 || c.score < 0.0005 ? 1 : 2)}%</span></li>`,
          )
          .join('')}</ol></div>`
      : '';
  const top = input || predictions ? `<div class="example-top">${input}${predictions}</div>` : '';
  const blocks: string[] = [];
  for (const m of methods) {
    const rowsOfExample = exampleRows(m, index);
    for (const r of rowsOfExample) blocks.push(methodRowHtml(m, r, example, index, report, probabilities, size));
  }
  const methodsHtml = blocks.length > 0 ? blocks.join('') : '<p class="empty">No attribution explains this example.</p>';
  return `<section class="card">${head}${top}${methodsHtml}</section>`;
}

/** Attribution rows that explain example `index` (row i explains example i when `examples` is absent). */
function exampleRows(m: PreparedMethod, index: number): number[] {
  const examples = m.source.attribution.examples;
  const rows: number[] = [];
  for (let r = 0; r < m.rows; r++) if ((examples ? examples[r] : r) === index) rows.push(r);
  return rows;
}

function methodRowHtml(
  m: PreparedMethod,
  r: number,
  example: ReportExample,
  exampleIndex: number,
  report: ReportInput,
  probabilities: ArrayLike<number> | undefined,
  size: number,
): string {
  const a = m.source.attribution;
  const target = a.targets?.[r];
  const targetText =
    target === undefined
      ? ''
      : `target ${target} · ${className(report, target)}${probabilities && target < probabilities.length ? ` · p = ${formatNumber(probabilities[target])}` : ''}`;
  const raw = rowStats(a.values, r);
  const facts: [string, string][] = [['time', timeText(m.timeMs)]];
  for (const [key, values] of m.perRow) {
    facts.push([DELTA_KEYS.includes(key) ? 'convergence Δ' : key, formatNumber(Number(values[r]))]);
  }
  facts.push(['sum', formatNumber(raw.sum)], ['range', `[${formatNumber(raw.min)}, ${formatNumber(raw.max)}]`]);
  const info = [
    `<h3>${esc(m.name)}</h3>`,
    targetText ? `<span class="target">${esc(targetText)}</span>` : '',
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    `<details><summary>parameters (${m.parameters.length})</summary>${chipsHtml(m.parameters)}</details>`,
  ].join('');
  return `<div class="method"><div class="method-info">${info}</div><div class="maps">${mapsHtml(m, r, example, exampleIndex, report, size)}</div></div>`;
}

function rowStats(values: TensorData, r: number) {
  const n = values.shape.slice(1).reduce((x, y) => x * y, 1);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = r * n; i < (r + 1) * n; i++) {
    const v = values.data[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { sum, min, max };
}

function mapsHtml(m: PreparedMethod, r: number, example: ReportExample, exampleIndex: number, report: ReportInput, size: number): string {
  const view = m.views[r];
  const d = m.display;
  const caption = `${signWords(d.sign)}, ${normalisationWords(d)}`;
  if (m.kind === 'tokens') {
    if (!example.tokens) {
      throw new OptionError(`Method '${m.name}' has token scores for example ${exampleIndex + 1}, but that example has no tokens: add examples[${exampleIndex}].tokens.`);
    }
    const html = tokensToHtml(example.tokens, view.data, { signed: d.sign === 'all', colormap: d.colormap });
    return `<div class="tokens">${html}<figcaption>${esc(`${signWords(d.sign)}, scaled by the largest |score|`)}</figcaption></div>`;
  }
  if (m.kind === 'features') return featuresHtml(view.data, report.featureNames, d);
  const base = example.image;
  const width = base?.width;
  const height = base?.height;
  const sized = fitMap(view, width, height);
  const heat = heatmapImage(sized, d.colormap);
  const parts = [figureHtml(heat, `${m.name} heatmap`, caption, size, colorbarHtml(m))];
  if (base) {
    const blended = overlay(base, sized, {
      opacity: d.opacity,
      colormap: d.colormap,
      threshold: d.threshold,
      opacityByValue: d.opacityByValue,
      grayscale: d.grayscale,
    });
    parts.push(figureHtml(blended, `${m.name} overlay`, `overlay, opacity ${formatNumber(d.opacity)}${d.opacityByValue ? ' × value' : ''}`, size));
  }
  return parts.join('');
}

function featuresHtml(scores: Float32Array, names: readonly string[] | undefined, d: PreparedMethod['display']): string {
  const order = Array.from(scores.keys()).sort((a, b) => Math.abs(scores[b]) - Math.abs(scores[a]) || a - b).slice(0, 16);
  const scale = Math.max(1e-30, ...order.map((i) => Math.abs(scores[i])));
  const signed = d.sign === 'all';
  const rows = order.map((i) => {
    const v = scores[i] / scale;
    const colour = rgbToHex(d.colormap.kind === 'diverging' ? d.colormap(v) : d.colormap(signed ? (v + 1) / 2 : v));
    const left = signed ? (v < 0 ? 50 + v * 50 : 50) : 0;
    const width = signed ? Math.abs(v) * 50 : Math.abs(v) * 100;
    return `<tr><td>${esc(names?.[i] ?? `feature ${i}`)}</td><td class="num">${esc(formatScore(scores[i], signed))}</td><td class="bar"><div class="fbar"><span style="left:${left.toFixed(1)}%;width:${width.toFixed(1)}%;background:${colour}"></span></div></td></tr>`;
  });
  return `<table class="features"><thead><tr><th>Feature</th><th>Score</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A figure as wide as its picture, so colorbars and captions line up under it. */
function figureHtml(image: RgbaImage, alt: string, caption: string, size: number, below = ''): string {
  const { width, height, pixelated } = displaySize(image, size);
  const img = `<img${pixelated ? ' class="pixelated"' : ''} src="${pngDataUri(image)}" width="${width}" height="${height}" alt="${esc(alt)}">`;
  return `<figure style="width:${width}px">${img}${below}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** CSS size with the longer side `size`; small images are upscaled with crisp pixels. */
function displaySize(image: RgbaImage, size: number) {
  const scale = size / Math.max(image.width, image.height, 1);
  return {
    width: Math.max(1, Math.round(image.width * scale)),
    height: Math.max(1, Math.round(image.height * scale)),
    pixelated: scale >= 2,
  };
}
