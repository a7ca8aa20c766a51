import { type Attribution, type ChannelReduction, type Normalization, OptionError, reduceChannels, ShapeError, type TensorData } from '@salience/core';
import { cssGradient } from './colorbar.js';
import { type Colormap, type ColormapName, colormap, rgbToHex } from './colormap.js';
import { type DisplayScale, type DisplaySign, displayScales, toDisplayMap } from './display-map.js';
import { DEFAULT_DIVERGING_COLORMAP, DEFAULT_SEQUENTIAL_COLORMAP, fitMap, heatmapImage } from './heatmap.js';
import { htmlDocument } from './html-document.js';
import { escapeHtml as esc } from './html-escape.js';
import type { RgbaImage } from './image.js';
import { overlay } from './overlay.js';
import { pngDataUri } from './png.js';
import { softmax, topK } from './predictions.js';
import { convergenceSummary, parameterChips } from './report-pieces.js';
import { REPORT_CSS } from './report-style.js';
import { asNumberList, formatNumber, formatValue } from './report-values.js';
import { resizeImage } from './resize.js';
import { formatTick, scaleLabel, unitsLabel } from './scale-label.js';
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
  /**
   * The meta keys the user set (e.g. ['steps', 'baseline']): shown as chips, every other entry
   * folded under "other settings". Without it, plain numbers and strings are shown.
   */
  readonly chosen?: readonly string[];
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
 * an overview grid (examples x methods, each cell a link to the example), a summary of the
 * methods, the colormaps' legends, then per example the input, its top predictions and, side by
 * side per method and target, the heatmap with a colorbar in raw units, the overlay and the facts.
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
    overviewHtml(report, methods),
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
  /** Images: per row, what the display range stands for in raw units. */
  readonly scales: readonly DisplayScale[] | undefined;
  /** Images: how the channels were combined (absent for one channel), for the units label. */
  readonly reduction: ChannelReduction | undefined;
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
    const example = (attribution.examples ? attribution.examples[r] : r)!;
    if (!(example >= 0 && example < report.examples.length)) {
      throw new OptionError(`Attribution '${attribution.method}' row ${r} explains example ${example}, but the report has ${report.examples.length} examples.`);
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
    scales: kind === 'image' ? displayScales(attribution, display) : undefined,
    reduction: kind === 'image' && channelCount(attribution) > 1 ? display.channelReduction : undefined,
  };
}

function channelCount(a: Attribution): number {
  if (a.layout === 'NCHW') return a.values.shape[1] ?? 1;
  if (a.layout === 'NHWC') return a.values.shape[3] ?? 1;
  return 1;
}

function views(attribution: Attribution, kind: PreparedMethod['kind'], display: PreparedMethod['display']): TensorData[] {
  if (kind === 'image') return toDisplayMap(attribution, display);
  const values = attribution.layout === 'NTD' ? reduceChannels(attribution.values, 'tokens', display.channelReduction) : attribution.values;
  if (values.shape.length !== 2) {
    throw new ShapeError(`Attribution '${attribution.method}' in layout '${attribution.layout}' has shape [${values.shape.join(', ')}]; expected [N, T] or [N, F].`);
  }
  const [rows, length] = values.shape as [number, number];
  const out: TensorData[] = [];
  for (let r = 0; r < rows; r++) {
    const row = values.data.slice(r * length, (r + 1) * length);
    for (let i = 0; i < row.length; i++) {
      const v = row[i]!;
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

/**
 * The colorbar as a CSS gradient over the part of the domain the values use; ticks in the map's
 * raw units when its scale is given, else in words.
 */
function colorbarHtml(m: PreparedMethod, scale?: DisplayScale): string {
  const cmap = m.display.colormap;
  const signed = m.display.sign === 'all';
  // Unsigned values on a diverging map use its upper half only.
  const halfOfDiverging = !signed && cmap.kind === 'diverging';
  const gradient = halfOfDiverging ? halfGradient(cmap) : cssGradient(cmap);
  const capped = scale !== undefined && scale.clippedShare > 0 ? '≥ ' : '';
  const ticks = scale
    ? signed
      ? [`${capped ? '≤ ' : ''}${formatTick(-scale.high)}`, '0', `${capped}${formatTick(scale.high)}`]
      : [formatTick(scale.low), formatTick((scale.low + scale.high) / 2), `${capped}${formatTick(scale.high)}`]
    : signed
      ? ['negative', '0', 'positive']
      : ['0', '', 'strongest'];
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

function timeText(ms: number | undefined): string {
  return ms === undefined ? '—' : `${formatNumber(Number(ms.toFixed(ms < 10 ? 2 : 1)))} ms`;
}

function summaryHtml(methods: readonly PreparedMethod[]): string {
  if (methods.length === 0) return '<section class="card"><h2>Methods</h2><p class="empty">No methods.</p></section>';
  const rows = methods.map((m) => {
    const a = m.source.attribution;
    const description = m.source.description ? `<div class="ticks" style="justify-content:flex-start">${esc(m.source.description)}</div>` : '';
    return `<tr><td><b>${esc(m.name)}</b>${description}</td><td class="num">${esc(a.layout)} [${esc(a.values.shape.join(', '))}]</td><td class="num">${esc(timeText(m.timeMs))}</td><td>${parameterChips(m.parameters, m.source.chosen)}</td></tr>`;
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

function exampleHtml(example: ReportExample, index: number, report: ReportInput, methods: readonly PreparedMethod[], k: number, size: number): string {
  const probabilities = probabilitiesOf(example);
  const truth = labelIndex(example, report);
  const ranked = probabilities && probabilities.length > 0 ? topK(probabilities, Math.min(k, probabilities.length)) : [];
  const badges: string[] = [];
  if (example.label !== undefined) {
    const label = typeof example.label === 'number' ? className(report, example.label) : example.label;
    badges.push(`<span class="badge">label: ${esc(label)}</span>`);
  }
  if (ranked.length > 0) {
    const top = ranked[0]!.index;
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
  const methodsHtml =
    blocks.length > 0
      ? `<div class="method-grid" style="grid-template-columns:repeat(auto-fill,minmax(min(100%,${2 * size + 46}px),1fr))">${blocks.join('')}</div>`
      : '<p class="empty">No attribution explains this example.</p>';
  return `<section class="card" id="${exampleAnchor(index)}">${head}${top}${methodsHtml}</section>`;
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
      : `target ${target} · ${className(report, target)}${probabilities && target < probabilities.length ? ` · p = ${formatNumber(probabilities[target]!)}` : ''}`;
  const raw = rowStats(a.values, r);
  const facts: [string, string][] = [['time', timeText(m.timeMs)]];
  for (const [key, values] of m.perRow) {
    if (DELTA_KEYS.includes(key)) {
      // Completeness: the attribution sums to f(x) - f(baseline); the delta is measured against that.
      const summary = convergenceSummary(Number(values[r]), raw.sum);
      facts.push(['f(x) − f(baseline)', formatNumber(summary.outputDifference)]);
      facts.push([
        'convergence Δ',
        `${formatNumber(summary.delta)}${summary.percent === undefined ? '' : ` (${summary.percent < 0.01 ? '<0.01' : formatNumber(Number(summary.percent.toPrecision(2)))}%)`}`,
      ]);
    } else {
      facts.push([key, formatNumber(Number(values[r]))]);
    }
  }
  facts.push(['sum', formatNumber(raw.sum)], ['range', `[${formatNumber(raw.min)}, ${formatNumber(raw.max)}]`]);
  const info = [`<div class="method-head"><h3>${esc(m.name)}</h3>`, targetText ? `<span class="target">${esc(targetText)}</span>` : '', '</div>'].join('');
  const details = [`<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`, parameterChips(m.parameters, m.source.chosen)].join('');
  return `<div class="method">${info}<div class="maps">${mapsHtml(m, r, example, exampleIndex, report, size)}</div>${details}</div>`;
}

function rowStats(values: TensorData, r: number) {
  const n = values.shape.slice(1).reduce((x, y) => x * y, 1);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = r * n; i < (r + 1) * n; i++) {
    const v = values.data[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { sum, min, max };
}

function mapsHtml(m: PreparedMethod, r: number, example: ReportExample, exampleIndex: number, report: ReportInput, size: number): string {
  const view = m.views[r]!;
  const d = m.display;
  const scale = m.scales?.[r];
  const caption = scale ? `${unitsLabel(d.sign, m.reduction)}; ${scaleLabel(scale)}` : signWords(d.sign);
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
  const parts = [figureHtml(heat, `${m.name} heatmap`, caption, size, colorbarHtml(m, scale))];
  if (base) {
    const blended = overlayOf(m, base, sized);
    parts.push(
      figureHtml(
        blended,
        `${m.name} overlay`,
        `overlay, opacity ${formatNumber(d.opacity)}${d.opacityByValue ? ` × ${m.display.sign === 'all' ? '√|value|' : 'value'}` : ''}`,
        size,
      ),
    );
  }
  return parts.join('');
}

/** The overlay of one map: signed maps get opacity by √|v|, so that middling scores are not faint. */
function overlayOf(m: PreparedMethod, base: RgbaImage, map: TensorData): RgbaImage {
  const d = m.display;
  return overlay(base, map, {
    opacity: d.opacity,
    colormap: d.colormap,
    threshold: d.threshold,
    opacityByValue: d.opacityByValue,
    gamma: d.sign === 'all' ? 0.5 : 1,
    grayscale: d.grayscale,
  });
}

function exampleAnchor(index: number): string {
  return `example-${index + 1}`;
}

/** Longest side of the overview's thumbnails, in image pixels (bigger inputs are scaled down). */
const THUMBNAIL = 96;

function thumbnail(image: RgbaImage): RgbaImage {
  const scale = THUMBNAIL / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  return resizeImage(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)), 'bilinear');
}

/** The first page: examples x methods, one thumbnail per cell, each linking to the example's details. */
function overviewHtml(report: ReportInput, methods: readonly PreparedMethod[]): string {
  if (report.examples.length === 0 || methods.length === 0) return '';
  const cellSize = 72;
  const head = `<tr><th>Example</th>${methods.map((m) => `<th>${esc(m.name)}</th>`).join('')}</tr>`;
  const rows = report.examples.map((example, i) => {
    const href = `#${exampleAnchor(i)}`;
    const probabilities = probabilitiesOf(example);
    const top = probabilities && probabilities.length > 0 ? topK(probabilities, 1)[0] : undefined;
    const label = `${i + 1}${example.name ? ` · ${example.name}` : ''}${top ? ` · ${className(report, top.index)}` : ''}`;
    const input = example.image ? thumbImg(thumbnail(example.image), `example ${i + 1}`, cellSize) : '';
    const cells = methods.map((m) => {
      const rows = exampleRows(m, i);
      if (rows.length === 0) return '<td class="none">—</td>';
      const r = rows[0]!;
      const more = rows.length > 1 ? `<span class="more">+${rows.length - 1} target${rows.length > 2 ? 's' : ''}</span>` : '';
      const target = m.source.attribution.targets?.[r];
      const title = `${m.name}${target === undefined ? '' : `, ${className(report, target)}`}`;
      if (m.kind !== 'image') return `<td><a href="${href}" title="${esc(title)}">${m.kind === 'tokens' ? 'tokens' : 'features'} →</a>${more}</td>`;
      const sized = fitMap(m.views[r]!, example.image?.width, example.image?.height);
      const picture = example.image ? overlayOf(m, example.image, sized) : heatmapImage(sized, m.display.colormap);
      return `<td><a href="${href}" title="${esc(title)}">${thumbImg(thumbnail(picture), title, cellSize)}</a>${more}</td>`;
    });
    return `<tr><th><a href="${href}">${input}<span>${esc(label)}</span></a></th>${cells.join('')}</tr>`;
  });
  return `<section class="card"><h2>Overview</h2><div class="overview-wrap"><table class="overview"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

function thumbImg(image: RgbaImage, alt: string, size: number): string {
  const { width, height, pixelated } = displaySize(image, size);
  return `<img${pixelated ? ' class="pixelated"' : ''} src="${pngDataUri(image)}" width="${width}" height="${height}" alt="${esc(alt)}">`;
}

function featuresHtml(scores: Float32Array, names: readonly string[] | undefined, d: PreparedMethod['display']): string {
  const order = Array.from(scores.keys())
    .sort((a, b) => Math.abs(scores[b]!) - Math.abs(scores[a]!) || a - b)
    .slice(0, 16);
  const scale = Math.max(1e-30, ...order.map((i) => Math.abs(scores[i]!)));
  const signed = d.sign === 'all';
  const rows = order.map((i) => {
    const v = scores[i]! / scale;
    const colour = rgbToHex(d.colormap.kind === 'diverging' ? d.colormap(v) : d.colormap(signed ? (v + 1) / 2 : v));
    const left = signed ? (v < 0 ? 50 + v * 50 : 50) : 0;
    const width = signed ? Math.abs(v) * 50 : Math.abs(v) * 100;
    return `<tr><td>${esc(names?.[i] ?? `feature ${i}`)}</td><td class="num">${esc(formatScore(scores[i]!, signed))}</td><td class="bar"><div class="fbar"><span style="left:${left.toFixed(1)}%;width:${width.toFixed(1)}%;background:${colour}"></span></div></td></tr>`;
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
