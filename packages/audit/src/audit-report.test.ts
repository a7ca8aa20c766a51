import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-batch.js';
import { AuditCollector } from './audit-collector.js';
import { classMeansFigure } from './audit-pictures.js';
import { auditReportHtml } from './audit-report.js';
import { describeFinding } from './describe-finding.js';
import { summariseMap } from './example-map.js';
import { boxRegion, defaultRegions, outsideRegion } from './regions.js';

const SIDE = 10;
const REGIONS = [...defaultRegions(SIDE, SIDE), outsideRegion(boxRegion('object', SIDE, SIDE, { top: 2, left: 2, bottom: 8, right: 8 }))];

function records(shortcut: boolean): AuditRecord[] {
  return Array.from({ length: 24 }, (_, i) => {
    const label = i % 3;
    const predicted = i % 8 === 0 ? (label + 1) % 3 : label;
    const map = Float32Array.from({ length: SIDE * SIDE }, (_, p) => 1 + Math.abs(Math.sin(p + i)));
    if (shortcut && predicted === 1) map[SIDE * SIDE - 1]! += 400;
    const image = { width: SIDE, height: SIDE, data: new Uint8ClampedArray(SIDE * SIDE * 4).fill(128) };
    return { index: i, name: `<img${i}>`, label, predicted, probability: 0.7, target: predicted, image, maps: { gradient: summariseMap(map, SIDE, SIDE, REGIONS) } };
  });
}

function result() {
  const collector = new AuditCollector({ classes: 3, classNames: ['T-shirt', 'Shirt & co', 'Bag'], regions: () => REGIONS });
  collector.add('clean', { shortcut: records(true), clean: records(false) });
  collector.add('shifted', { shortcut: records(false), clean: records(false) });
  return collector.result();
}

describe('auditReportHtml', () => {
  it('writes every section as one self-contained page', () => {
    const r = result();
    expect(r.findings.length).toBeGreaterThan(0);
    const html = auditReportHtml(r, { title: 'Audit <test>', info: { model: 'shortcut.onnx' } });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('Audit &lt;test&gt;');
    expect(html).toContain('Findings (');
    expect(html).toContain('Shirt &amp; co: ');
    for (const section of [
      'Per-class mean saliency',
      'Correct against incorrect',
      'Confusion pairs',
      'Most saliency on the border',
      'Most saliency outside the region (object)',
      'Clean against shifted data',
      'Two models side by side',
    ]) {
      expect(html).toContain(section);
    }
    expect(html).toContain('&lt;img0&gt;');
    expect(html).not.toContain('<img0>');
    expect(html.match(/src="data:image\/png;base64,/g)!.length).toBeGreaterThan(20);
  });

  it('says so when nothing is flagged', () => {
    const collector = new AuditCollector({ classes: 3, regions: () => REGIONS });
    collector.add('clean', { m: records(false) });
    const html = auditReportHtml(collector.result());
    expect(html).toContain('No class puts an outsized share');
    expect(html).not.toContain('Two models side by side');
  });

  it('describes findings with their numbers', () => {
    const f = result().findings.find((x) => x.class === 1 && x.region === 'bottom-right')!;
    const text = describeFinding(f, ['T-shirt', 'Shirt', 'Bag']);
    expect(text).toMatch(
      /^Shirt: \d+% of gradient saliency lies in the bottom-right corner, which covers 9\.0% of the image \(\d+\.\dx its area; other classes: [\d.]+%\); 8 examples of shortcut on clean\.$/,
    );
  });
});

describe('classMeansFigure', () => {
  it('draws one labelled map per class', () => {
    const image = classMeansFigure(result(), { model: 'shortcut', dataset: 'clean', method: 'gradient', side: 40 });
    expect(image.width).toBeGreaterThanOrEqual(3 * 40);
    expect(image.height).toBeGreaterThan(40);
    expect(() => classMeansFigure(result(), { method: 'nope' })).toThrow(/no maps of method 'nope'/);
  });
});
