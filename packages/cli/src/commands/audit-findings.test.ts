import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';
import { cornerLoader, writeCornerImages } from '../../test/corner-model.js';
import type { AuditSummary } from '../audit/summary.js';
import { audit } from './audit.js';

// A model with a planted shortcut (its class 0 looks only at the top-left 2x2 pixels of 8x8
// images) on 5 images with a white top-left corner and 7 without: the audit must flag class 0 in
// the top-left corner, and nothing else.
describe('salience audit findings on a model with a planted corner shortcut', () => {
  const tmp = scratch();
  let base: string[];

  beforeAll(() => {
    const names = writeCornerImages(tmp.path('data'), 12, 5);
    writeFileSync(tmp.path('data', 'truth.csv'), `file,label\n${names.map((n, i) => `${n},${i < 5 ? 'marked' : 'plain'}`).join('\n')}\n`);
    writeFileSync(tmp.path('labels.txt'), 'marked\nplain\n');
    base = [
      'audit',
      '--model',
      'corner.onnx',
      '--data',
      tmp.path('data'),
      '--truth',
      tmp.path('data', 'truth.csv'),
      '--labels',
      tmp.path('labels.txt'),
      '--method',
      'gradient',
      '--chunk-size',
      '4',
    ];
  });
  afterAll(() => tmp.remove());

  it('flags the class in its corner, with the numbers behind it, on stdout and in the summary', async () => {
    const run = await salience([...base, '--out', tmp.path('out')], { loadModel: cornerLoader() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('corner on data: 12 examples, accuracy 100.0% (12/12)');
    expect(run.stdout).toContain('Findings (1):');
    expect(run.stdout).toContain(
      '  marked: 100% of gradient saliency lies in the top-left corner, which covers 6.3% of the image (16.0x its area; other classes: 6.3%); 5 examples of corner on data.',
    );
    const summary = JSON.parse(readFileSync(tmp.path('out', 'summary.json'), 'utf8')) as AuditSummary;
    expect(summary.findings).toHaveLength(1);
    const [finding] = summary.findings;
    expect(finding).toMatchObject({ model: 'corner', dataset: 'data', method: 'gradient', class: 0, className: 'marked', region: 'top-left', count: 5, area: 0.0625 });
    expect(finding!.share).toBeCloseTo(1, 6);
    expect(finding!.lift).toBeCloseTo(16, 5);
    expect(finding!.othersShare).toBeCloseTo(0.0625, 6);
    const classes = summary.groups[0]!.methods.gradient!.classes;
    expect(classes.map((c) => [c.name, c.count])).toEqual([
      ['marked', 5],
      ['plain', 7],
    ]);
    expect(classes[1]!.shares['top-left']).toBeCloseTo(0.0625, 6);
    expect(readFileSync(tmp.path('out', 'report.html'), 'utf8')).toContain('top-left corner');
  });

  it('exits 11 with --fail-on-findings, after writing everything', async () => {
    const run = await salience([...base, '--fail-on-findings', '--quiet', '--out', tmp.path('ci')], { loadModel: cornerLoader() });
    expect(run.code).toBe(11);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    expect(existsSync(tmp.path('ci', 'summary.json'))).toBe(true);
    expect(existsSync(tmp.path('ci', 'report.html'))).toBe(true);
  });

  it('measures saliency outside a given region: the shortcut class lies all outside the object', async () => {
    const run = await salience([...base, '--region', '2,2,7,7', '--border', '2', '--json', '--out', tmp.path('region')], { loadModel: cornerLoader() });
    expect(run.code).toBe(0);
    const s = run.json<AuditSummary>();
    expect(Object.keys(s.configuration.regions.gradient!)).toEqual(['top-left', 'top-right', 'bottom-left', 'bottom-right', 'border', 'outside-object']);
    expect(s.configuration.regions.gradient!['outside-object']).toBeCloseTo(39 / 64, 12);
    expect(s.configuration.regions.gradient!.border).toBeCloseTo(48 / 64, 12);
    expect(s.findings.map((f) => [f.className, f.region])).toEqual([
      ['marked', 'top-left'],
      ['marked', 'outside-object'],
    ]);
    expect(s.findings[1]!.text).toMatch(/^marked: 100% of gradient saliency lies outside the region object/);
    const ranked = s.groups[0]!.methods.gradient!.classes.map((c) => c.shares['outside-object']);
    expect(ranked[0]).toBeCloseTo(1, 6);
    expect(ranked[1]).toBeCloseTo(39 / 64, 6);
  });

  it('explains the true class with --explain label', async () => {
    const run = await salience([...base, '--explain', 'label', '--json', '--out', tmp.path('label')], { loadModel: cornerLoader() });
    expect(run.code).toBe(0);
    expect(run.json<AuditSummary>().configuration.explain).toBe('label');
  });
});

describe('audit() from a script', () => {
  it('reports each chunk to onChunk, and stops right after the chunk during which the signal fired', async () => {
    const tmp = scratch();
    try {
      writeCornerImages(tmp.path('data'), 10, 5);
      const controller = new AbortController();
      const chunks: string[] = [];
      const request = { model: 'corner.onnx', data: [tmp.path('data')], methods: ['gradient' as const], chunkSize: 3, out: tmp.path('out') };
      const stopped = await audit(
        { ...request, signal: controller.signal },
        {
          loadModel: cornerLoader(),
          onChunk: (info) => {
            chunks.push(`${info.dataset} ${info.chunk + 1}/${info.chunks} ${info.first}+${info.count}${info.resumed ? ' resumed' : ''}`);
            if (info.chunk === 1) controller.abort(new Error('interrupted'));
          },
        },
      ).catch((e: unknown) => e as { exitCode: number; message: string });
      expect(stopped).toMatchObject({ exitCode: 130, message: expect.stringMatching(/^Interrupted: 2 of 4 chunks are saved in /) });
      const notes: string[] = [];
      const summary = await audit(request, {
        loadModel: cornerLoader(),
        note: (n) => notes.push(n),
        onChunk: (info) => chunks.push(`${info.dataset} ${info.chunk + 1}/${info.chunks} ${info.first}+${info.count}${info.resumed ? ' resumed' : ''}`),
      });
      expect(chunks).toEqual(['data 1/4 0+3', 'data 2/4 3+3', 'data 1/4 0+3 resumed', 'data 2/4 3+3 resumed', 'data 3/4 6+3', 'data 4/4 9+1']);
      expect(notes).toEqual([`resuming: 2 of 4 chunks done (in ${tmp.path('out', '.salience-audit')}).`]);
      expect(summary.chunks).toEqual({ size: 3, total: 4, resumed: 2, computed: 2 });
      expect(summary.groups[0]!.count).toBe(10);
    } finally {
      tmp.remove();
    }
  });
});
