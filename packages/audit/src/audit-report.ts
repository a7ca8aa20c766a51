import { OptionError } from '@salience/core';
import { escapeHtml as esc, htmlDocument, pngDataUri, REPORT_STYLESHEET, type RgbaImage } from '@salience/render';
import { spearman } from '@salience/sanity-checks/metrics';
import type { AuditResult, Comparison, ConfusionPair, ExampleRef, GroupSummary } from './audit-collector.js';
import { enlarged, exampleOverlay, shareHeatmap } from './audit-pictures.js';
import { classLabel, describeFinding } from './describe-finding.js';
import { isOutsideRegion } from './findings.js';
import type { MeanMap } from './mean-map.js';

export interface AuditReportOptions {
  readonly title?: string;
  readonly subtitle?: string;
  /** Facts shown under the title (model files, data, methods, time...). */
  readonly info?: Readonly<Record<string, string>>;
  /** Displayed side of each small map; default 96. */
  readonly imageSize?: number;
}

const AUDIT_CSS = `
.maps-row { display: flex; flex-wrap: wrap; gap: 10px 12px; margin: 8px 0 4px; }
.maps-row figure { width: auto; }
.finding { display: flex; gap: 14px; align-items: center; padding: 8px 0; border-top: 1px solid var(--line); }
.finding:first-of-type { border-top: none; }
.finding p { margin: 0; }
.flag { color: var(--warn); font-weight: 600; }
.ok-note { color: var(--good); }
.pair { display: flex; gap: 8px; align-items: flex-start; }
h3 { margin-top: 14px; }
.muted { color: var(--muted); }
`;

const percent = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : 'n/a');

function img(image: RgbaImage, size: number, alt: string): string {
  const scale = size / Math.max(image.width, image.height, 1);
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  return `<img${scale >= 2 ? ' class="pixelated"' : ''} src="${pngDataUri(image)}" width="${w}" height="${h}" alt="${esc(alt)}">`;
}

function figure(image: RgbaImage, size: number, caption: string): string {
  return `<figure>${img(image, size, caption)}<figcaption>${esc(caption)}</figcaption></figure>`;
}

function meanFigure(mean: MeanMap, size: number, caption: string): string {
  if (mean.count === 0 || mean.map.length === 0) return `<figure><div class="empty" style="width:${size}px">none</div><figcaption>${esc(caption)}</figcaption></figure>`;
  return figure(shareHeatmap(mean.map, mean.height, mean.width), size, caption);
}

function exampleCaption(ref: ExampleRef, names: readonly string[] | undefined, score: string): string {
  const truth = ref.label === null ? '' : ` (true ${classLabel(ref.label, names)})`;
  return `${ref.name}: ${classLabel(ref.predicted, names)} ${percent(ref.probability)}${truth}${score ? `; ${score}` : ''}`;
}

function findingsHtml(result: AuditResult, size: number): string {
  const names = result.classNames;
  if (result.findings.length === 0) {
    return `<section class="card"><h2>Findings</h2><p class="ok-note">No class puts an outsized share of its saliency in a corner or on the border${Object.values(result.regions).some((r) => Object.keys(r).some(isOutsideRegion)) ? ', and no group lies mostly outside the given region' : ''}.</p></section>`;
  }
  const rows = result.findings.map((f) => {
    const group = result.groups.find((g) => g.model === f.model && g.dataset === f.dataset);
    const summary = group?.methods[f.method];
    const mean = f.class === null ? summary?.all : summary?.classes.find((c) => c.class === f.class);
    const picture = mean ? meanFigure(mean, size, `mean ${f.method}, ${classLabel(f.class, names)}`) : '';
    return `<div class="finding">${picture}<p><span class="flag">Flagged.</span> ${esc(describeFinding(f, names))}</p></div>`;
  });
  return `<section class="card"><h2>Findings (${result.findings.length})</h2>${rows.join('')}</section>`;
}

function classMeansHtml(group: GroupSummary, result: AuditResult, size: number): string {
  return Object.entries(group.methods)
    .map(([method, summary]) => {
      const figures = summary.classes.map((c) => meanFigure(c, size, `${classLabel(c.class, result.classNames)} (${c.count})`));
      return `<h3>Per-class mean saliency: ${esc(method)}</h3><p class="muted">Each example's map is scaled to sum 1 before averaging, by the class it explains.</p><div class="maps-row">${figures.join('')}</div>`;
    })
    .join('');
}

function correctnessHtml(group: GroupSummary, size: number): string {
  if (group.labelled === 0) return '<p class="muted">No labels: correct and incorrect predictions cannot be told apart.</p>';
  const rows = Object.entries(group.methods).map(([method, s]) => {
    const a = s.correct && meanFigure(s.correct, size, `${method}: correct (${s.correct.count})`);
    const b = s.incorrect && meanFigure(s.incorrect, size, `${method}: incorrect (${s.incorrect.count})`);
    return `${a ?? ''}${b ?? ''}`;
  });
  return `<h3>Correct against incorrect</h3><div class="maps-row">${rows.join('')}</div>`;
}

function confusionHtml(group: GroupSummary, result: AuditResult, size: number): string {
  if (group.labelled === 0) return '';
  if (group.confusion.length === 0) return '<h3>Confusion pairs</h3><p class="ok-note">No mistakes.</p>';
  const names = result.classNames;
  const shown = group.confusion.slice(0, 8);
  const rows = shown.map((pair: ConfusionPair) => {
    const cells = Object.entries(pair.means).map(([method, mean]) => {
      const examples = (pair.examples[method] ?? []).map((ref) => figure(enlarged(exampleOverlay(ref), size), size, exampleCaption(ref, names, '')));
      return `<div class="maps-row">${meanFigure(mean, size, `${method}: mean of ${pair.count}`)}${examples.join('')}</div>`;
    });
    return `<tr><td>${esc(classLabel(pair.label, names))} → ${esc(classLabel(pair.predicted, names))}</td><td class="num">${pair.count}</td><td>${cells.join('')}</td></tr>`;
  });
  const more = group.confusion.length > shown.length ? `<p class="muted">${group.confusion.length - shown.length} rarer pairs are in summary.json.</p>` : '';
  return `<h3>Confusion pairs (true → predicted)</h3><table><tr><th>pair</th><th>count</th><th>mean map and the most confident mistakes</th></tr>${rows.join('')}</table>${more}`;
}

function rankedHtml(group: GroupSummary, result: AuditResult, size: number): string {
  const regions = [...new Set(Object.values(result.regions).flatMap((r) => Object.keys(r)))].filter((r) => r === 'border' || isOutsideRegion(r));
  return regions
    .map((region) => {
      const parts = Object.entries(group.methods).map(([method, s]) => {
        const refs = s.ranked[region] ?? [];
        if (refs.length === 0) return '';
        const figures = refs.map((ref) => figure(enlarged(exampleOverlay(ref), size), size, exampleCaption(ref, result.classNames, `${percent(ref.score)} ${region}`)));
        return `<p class="muted">${esc(method)} (region covers ${percent(result.regions[method]?.[region] ?? Number.NaN)} of the map):</p><div class="maps-row">${figures.join('')}</div>`;
      });
      const title = region === 'border' ? 'Most saliency on the border' : `Most saliency outside the region (${esc(region.slice('outside-'.length))})`;
      return `<h3>${title}</h3>${parts.join('')}`;
    })
    .join('');
}

function groupHtml(group: GroupSummary, result: AuditResult, size: number): string {
  const accuracy = group.accuracy === null ? 'unlabelled' : `accuracy ${percent(group.accuracy)} (${group.correct} of ${group.labelled})`;
  return `<section class="card"><h2>${esc(group.model)} on ${esc(group.dataset)}</h2><p class="muted">${group.count} examples, ${accuracy}</p>${classMeansHtml(group, result, size)}${correctnessHtml(group, size)}${confusionHtml(group, result, size)}${rankedHtml(group, result, size)}</section>`;
}

function shiftHtml(result: AuditResult): string {
  if (result.datasets.length < 2) return '';
  const [clean, ...shifted] = result.datasets;

  const parts: string[] = [];
  for (const model of result.models) {
    const base = result.groups.find((g) => g.model === model && g.dataset === clean);
    if (!base) continue;
    for (const name of shifted) {
      const other = result.groups.find((g) => g.model === model && g.dataset === name);
      if (!other) continue;
      const acc = `accuracy ${base.accuracy === null ? 'n/a' : percent(base.accuracy)} on ${esc(clean)}, ${other.accuracy === null ? 'n/a' : percent(other.accuracy)} on ${esc(name)}`;
      for (const [method, s] of Object.entries(base.methods)) {
        const t = other.methods[method];
        if (!t) continue;
        const regionNames = Object.keys(result.regions[method] ?? {});
        const rows = s.classes.map((c) => {
          const d = t.classes.find((x) => x.class === c.class);
          const similarity = d && d.map.length === c.map.length ? spearman(c.map, d.map).toFixed(3) : 'n/a';
          const shares = regionNames.map((r) => `<td class="num">${percent(c.shares[r] ?? 0)} → ${d ? percent(d.shares[r] ?? 0) : 'n/a'}</td>`).join('');
          return `<tr><td>${esc(classLabel(c.class, result.classNames))}</td><td class="num">${c.count} / ${d?.count ?? 0}</td><td class="num">${similarity}</td>${shares}</tr>`;
        });
        parts.push(
          `<h3>${esc(model)}, ${esc(method)}: ${esc(clean)} → ${esc(name)}</h3><p class="muted">${acc}. Similarity: Spearman rank correlation of the class's mean maps on the two datasets.</p><table><tr><th>class</th><th>examples</th><th>similarity</th>${regionNames.map((r) => `<th>${esc(r)}</th>`).join('')}</tr>${rows.join('')}</table>`,
        );
      }
    }
  }
  return parts.length > 0 ? `<section class="card"><h2>Clean against shifted data</h2>${parts.join('')}</section>` : '';
}

function comparisonHtml(result: AuditResult, size: number): string {
  if (result.comparisons.length === 0) return '';
  const parts = result.comparisons.map((c: Comparison) => {
    const pairs = c.leastSimilar.map(
      (p) =>
        `<div class="pair">${figure(enlarged(exampleOverlay(p.first), size), size, exampleCaption(p.first, result.classNames, c.first))}${figure(enlarged(exampleOverlay(p.second), size), size, `${classLabel(p.second.predicted, result.classNames)} ${percent(p.second.probability)}; ${c.second}; similarity ${p.similarity.toFixed(3)}`)}</div>`,
    );
    const classes = c.classes.map(
      (k) => `<tr><td>${esc(classLabel(k.class, result.classNames))}</td><td class="num">${k.count}</td><td class="num">${k.meanSimilarity.toFixed(3)}</td></tr>`,
    );
    return `<h3>${esc(c.first)} against ${esc(c.second)}: ${esc(c.method)} on ${esc(c.dataset)}</h3><p class="muted">${c.count} examples; mean similarity ${c.meanSimilarity.toFixed(3)} (Spearman rank correlation of the absolute maps); the models predict the same class for ${percent(c.agreement)}.</p><details><summary>per class</summary><table><tr><th>class</th><th>examples</th><th>mean similarity</th></tr>${classes.join('')}</table></details><p class="muted">The examples on which the maps agree least:</p><div class="maps-row">${pairs.join('')}</div>`;
  });
  return `<section class="card"><h2>Two models side by side</h2>${parts.join('')}</section>`;
}

/**
 * The audit as one self-contained HTML page (inline CSS and images, no scripts): findings first,
 * then per model and dataset the per-class mean maps, correct against incorrect, the confusion
 * pairs and the examples with the most saliency on the border or outside the region; then clean
 * against shifted data and the two models side by side.
 */
export function auditReportHtml(result: AuditResult, options: AuditReportOptions = {}): string {
  if (!result || !Array.isArray(result.groups)) throw new OptionError('auditReportHtml needs the result of AuditCollector.result().');
  const size = options.imageSize ?? 96;
  if (!(size > 0)) throw new OptionError(`imageSize must be positive; got ${size}.`);
  const title = options.title ?? 'Saliency audit';
  const info = Object.entries(options.info ?? {})
    .map(([k, v]) => `<span>${esc(k)}: <b>${esc(v)}</b></span>`)
    .join('');
  const body = [
    `<h1>${esc(title)}</h1>`,
    options.subtitle ? `<p class="subtitle">${esc(options.subtitle)}</p>` : '',
    info ? `<div class="info">${info}</div>` : '',
    findingsHtml(result, size),
    ...result.groups.map((g) => groupHtml(g, result, size)),
    shiftHtml(result),
    comparisonHtml(result, size),
    '<footer>Generated by @salience/audit</footer>',
  ];
  return htmlDocument(title, `${REPORT_STYLESHEET}${AUDIT_CSS}`, body.join('\n'));
}
