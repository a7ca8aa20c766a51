import { describe, expect, it } from 'vitest';
import { NAME, syntheticRecords, VOCAB } from '../../test/synthetic-texts.js';
import { TextAuditCollector } from './text-collector.js';
import { textAuditReportHtml } from './text-report.js';

describe('textAuditReportHtml', () => {
  it('puts the findings first, then per class the tokens with highlighting, shifts and the two models', () => {
    const collector = new TextAuditCollector({ classes: 2, classNames: ['negative', '<positive>'], tokenOf: (_m, id) => VOCAB[id]! });
    const planted = syntheticRecords('ig', { planted: { id: NAME, score: 12 } });
    const clean = syntheticRecords('ig');
    collector.add('clean', { shortcut: planted, twin: clean });
    collector.add('shifted', { shortcut: planted.slice(0, 100), twin: clean.slice(0, 100) });
    const html = textAuditReportHtml(collector.result(), { title: 'salience audit', info: { model: 'a <b>' } });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/);
    expect(html).toContain('a &lt;b&gt;');
    expect(html).toContain('&lt;positive&gt;');
    expect(html.indexOf('Findings (')).toBeLessThan(html.indexOf('shortcut on clean'));
    expect(html).toMatch(/Flagged\.<\/span> &lt;positive&gt;: \d+% of ig attribution mass lies on the token &#39;john&#39;/);
    expect(html).toContain('class="salience-token"');
    expect(html).toContain('Clean against shifted data');
    expect(html).toContain('Two models side by side');
  });

  it('says so when there is no finding', () => {
    const collector = new TextAuditCollector({ classes: 2, tokenOf: (_m, id) => VOCAB[id]!, suspects: ['mary'] });
    collector.add('data', { twin: syntheticRecords('ig') });
    expect(textAuditReportHtml(collector.result())).toContain('No class puts an outsized share of its attribution mass on punctuation, on the suspect tokens');
  });
});
