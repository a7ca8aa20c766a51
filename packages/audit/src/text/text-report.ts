import { OptionError } from '@salience/core';
import { escapeHtml as esc, htmlDocument, REPORT_STYLESHEET, tokensToHtml } from '@salience/render';
import { classLabel } from '../describe-finding.js';
import { describeTextFinding } from './describe-text-finding.js';
import type { TextAuditResult, TextClassSummary, TextGroupSummary } from './text-collector.js';
import type { TokenStat } from './token-tally.js';

export interface TextAuditReportOptions {
  readonly title?: string;
  readonly subtitle?: string;
  /** Facts shown under the title (model files, data, methods, time...). */
  readonly info?: Readonly<Record<string, string>>;
}

const TEXT_AUDIT_CSS = `
.finding { padding: 8px 0; border-top: 1px solid var(--line); }
.finding:first-of-type { border-top: none; }
.finding p { margin: 0 0 4px; }
.flag { color: var(--warn); font-weight: 600; }
.ok-note { color: var(--good); }
.muted { color: var(--muted); }
.classes { display: flex; flex-wrap: wrap; gap: 12px 18px; }
.classes > div { min-width: 260px; }
.example { margin: 6px 0; }
h3 { margin-top: 14px; }
`;

const percent = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);

/** Tokens as highlighted chips, coloured by their share of the mass (one scale for the list). */
function tokenChips(stats: readonly TokenStat[], scale?: number): string {
  if (stats.length === 0) return '<span class="muted">none</span>';
  return tokensToHtml(
    stats.map((s) => s.token),
    stats.map((s) => s.share),
    { signed: false, legend: false, ...(scale !== undefined ? { scale } : {}) },
  );
}

function tokenTable(stats: readonly TokenStat[]): string {
  if (stats.length === 0) return '<p class="muted">No token occurs often enough.</p>';
  const rows = stats.map(
    (s) =>
      `<tr><td><code>${esc(s.token)}</code></td><td class="num">${s.count}</td><td class="num">${percent(s.share)}</td><td class="num">${percent(s.occurrenceShare)}</td><td class="num">${s.lift.toFixed(2)}</td></tr>`,
  );
  return `<table><tr><th>token</th><th>count</th><th>share of mass</th><th>share of tokens</th><th>lift</th></tr>${rows.join('')}</table>`;
}

function findingsHtml(result: TextAuditResult): string {
  if (result.findings.length === 0) {
    const suspects = result.suspects.length > 0 ? ', on the suspect tokens' : '';
    return `<section class="card"><h2>Findings</h2><p class="ok-note">No class puts an outsized share of its attribution mass on punctuation${suspects} or on a token that carries no label meaning in the data.</p></section>`;
  }
  const rows = result.findings.map(
    (f) => `<div class="finding"><p><span class="flag">Flagged.</span> ${esc(describeTextFinding(f, result.classNames))}</p>${tokenChips(f.tokens, f.tokens[0]?.share)}</div>`,
  );
  return `<section class="card"><h2>Findings (${result.findings.length})</h2>${rows.join('')}</section>`;
}

function classHtml(c: TextClassSummary, result: TextAuditResult): string {
  const groups = Object.entries(c.groups)
    .map(([name, g]) => `${esc(name)} ${percent(g.share)} of the mass, ${percent(g.occurrenceShare)} of the tokens`)
    .join('; ');
  return `<div><h4>${esc(classLabel(c.class, result.classNames))} <span class="muted">(${c.examples} examples, ${c.tokens} tokens; top ${result.options.concentrationTokens} tokens hold ${percent(c.concentration)})</span></h4>${tokenChips(c.top)}${tokenTable(c.top)}<p class="muted">${groups}</p></div>`;
}

function groupHtml(group: TextGroupSummary, result: TextAuditResult): string {
  const accuracy = group.accuracy === null ? 'unlabelled' : `accuracy ${percent(group.accuracy)} (${group.correct} of ${group.labelled})`;
  const methods = Object.entries(group.methods).map(([method, s]) => {
    const classes = s.classes.map((c) => classHtml(c, result)).join('');
    const correctness =
      s.correct && s.incorrect
        ? `<h3>Correct against incorrect: ${esc(method)}</h3><div class="classes"><div><h4>correct predictions</h4>${tokenTable(s.correct)}</div><div><h4>mistakes</h4>${tokenTable(s.incorrect)}</div></div>`
        : '<p class="muted">No labels: correct and incorrect predictions cannot be told apart.</p>';
    const examples = s.concentrated
      .map((e) => {
        const truth = e.label === null ? '' : `, true ${classLabel(e.label, result.classNames)}`;
        return `<div class="example"><p class="muted">${esc(e.name)}: ${esc(classLabel(e.predicted, result.classNames))} ${percent(e.probability)}${esc(truth)}; ${percent(e.peak)} of its mass on one token</p>${tokensToHtml(e.tokens, e.scores, { legend: false })}</div>`;
      })
      .join('');
    return `<h3>Tokens per explained class: ${esc(method)}</h3><div class="classes">${classes}</div>${correctness}<h3>Examples whose mass sits most on one token</h3>${examples}`;
  });
  return `<section class="card"><h2>${esc(group.model)} on ${esc(group.dataset)}</h2><p class="muted">${group.count} texts, ${accuracy}</p>${methods.join('')}</section>`;
}

function shiftHtml(result: TextAuditResult): string {
  if (result.shifts.length === 0) return '';
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const s of result.shifts) {
    const head = `${s.model}\u0000${s.method}\u0000${s.to}`;
    if (!seen.has(head)) {
      seen.add(head);
      const a = result.groups.find((g) => g.model === s.model && g.dataset === s.from);
      const b = result.groups.find((g) => g.model === s.model && g.dataset === s.to);
      parts.push(
        `<h3>${esc(s.model)}, ${esc(s.method)}: ${esc(s.from)} → ${esc(s.to)}</h3><p>accuracy ${percent(a?.accuracy ?? null)} on ${esc(s.from)}, ${percent(b?.accuracy ?? null)} on ${esc(s.to)}</p>`,
      );
    }
    const rows = s.tokens.map(
      (t) =>
        `<tr><td><code>${esc(t.token)}</code></td><td class="num">${percent(t.before.share)} (${t.before.count})</td><td class="num">${percent(t.after.share)} (${t.after.count})</td><td class="num">${t.change >= 0 ? '+' : ''}${(t.change * 100).toFixed(1)}</td></tr>`,
    );
    parts.push(
      `<h4>${esc(classLabel(s.class, result.classNames))} <span class="muted">(${s.examples[0]} → ${s.examples[1]} examples)</span></h4><table><tr><th>token</th><th>share on ${esc(s.from)} (count)</th><th>share on ${esc(s.to)} (count)</th><th>change (points)</th></tr>${rows.join('')}</table>`,
    );
  }
  return `<section class="card"><h2>Clean against shifted data</h2><p class="muted">Per explained class, the tokens whose share of the attribution mass moves most.</p>${parts.join('')}</section>`;
}

function comparisonHtml(result: TextAuditResult): string {
  if (result.comparisons.length === 0) return '';
  const parts = result.comparisons.map((c) => {
    const first = result.groups.find((g) => g.model === c.first && g.dataset === c.dataset)?.methods[c.method];
    const second = result.groups.find((g) => g.model === c.second && g.dataset === c.dataset)?.methods[c.method];
    const classes = [...new Set([...(first?.classes ?? []), ...(second?.classes ?? [])].map((k) => k.class))].sort((x, y) => x - y);
    const rows = classes.map((k) => {
      const a = first?.classes.find((x) => x.class === k);
      const b = second?.classes.find((x) => x.class === k);
      return `<tr><td>${esc(classLabel(k, result.classNames))}</td><td>${tokenChips(a?.top.slice(0, 6) ?? [])}</td><td>${tokenChips(b?.top.slice(0, 6) ?? [])}</td></tr>`;
    });
    const similarity =
      c.meanSimilarity === null
        ? 'their tokenizers differ, so their scores are not compared token by token'
        : `mean similarity ${c.meanSimilarity.toFixed(3)} (Spearman rank correlation of the absolute scores, ${c.compared} texts)`;
    return `<h3>${esc(c.first)} against ${esc(c.second)}: ${esc(c.method)} on ${esc(c.dataset)}</h3><p class="muted">${c.count} texts; same prediction for ${percent(c.agreement)}; ${esc(similarity)}.</p><table><tr><th>class</th><th>${esc(c.first)}: top tokens</th><th>${esc(c.second)}: top tokens</th></tr>${rows.join('')}</table>`;
  });
  return `<section class="card"><h2>Two models side by side</h2>${parts.join('')}</section>`;
}

/**
 * The text audit as one self-contained HTML page (inline CSS, no scripts), in the image audit's
 * conventions: findings first, then per model and dataset the tokens with the largest share of
 * attribution mass for their frequency per explained class, correct against incorrect, the
 * examples most concentrated on one token; then clean against shifted data and two models side by side.
 */
export function textAuditReportHtml(result: TextAuditResult, options: TextAuditReportOptions = {}): string {
  if (!result || !Array.isArray(result.groups)) throw new OptionError('textAuditReportHtml needs the result of TextAuditCollector.result().');
  const title = options.title ?? 'Text audit';
  const info = Object.entries(options.info ?? {})
    .map(([k, v]) => `<span>${esc(k)}: <b>${esc(v)}</b></span>`)
    .join('');
  const o = result.options;
  const legend = `<p class="muted">Each text's absolute scores are scaled to sum 1, so every text weighs the same. A token's <b>share of mass</b> is its part of a class's mass; its <b>share of tokens</b> how often it occurs among the class's tokens; <b>lift</b> the first over the second (1: what attribution spread evenly over tokens gives). Tokens are listed by lift among those seen at least ${o.minCount} times, so common tokens do not win by count. Findings: a group (suspects, punctuation) or a token without label meaning with at least ${percent(o.minShare)} of a class's mass and a lift of ${o.minLift} or more.</p>`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    options.subtitle ? `<p class="subtitle">${esc(options.subtitle)}</p>` : '',
    info ? `<div class="info">${info}</div>` : '',
    legend,
    findingsHtml(result),
    ...result.groups.map((g) => groupHtml(g, result)),
    shiftHtml(result),
    comparisonHtml(result),
    '<footer>Generated by @salience/audit</footer>',
  ];
  return htmlDocument(title, `${REPORT_STYLESHEET}${TEXT_AUDIT_CSS}`, body.join('\n'));
}
