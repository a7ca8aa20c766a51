import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureStream, salience, scratch } from '../../test/cli-harness.js';
import type { AuditFlags } from '../program.js';
import { runTextAudit, type TextAuditSummary } from './audit-text.js';

// The DistilBERT-style folder of @salience/text (seeded random weights, classes negative, neutral, positive).
const model = new URL('../../../text/fixtures/distilbert', import.meta.url).pathname;
const bert = new URL('../../../text/fixtures/bert', import.meta.url).pathname;

const WORDS = ['film', 'phone', 'meal', 'trip', 'book', 'show'];
const GOOD = ['wonderful', 'great', 'lovely'];
const BAD = ['awful', 'dull', 'poor'];

/** Labelled reviews: the adjective carries the label; names and the tail carry none. */
function reviews(count: number, seed: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = (i * 7 + seed) % 97;
    const positive = i % 2 === 0;
    const adjective = (positive ? GOOD : BAD)[k % 3];
    const name = ['Kevin', 'Maria', 'Tom'][k % 3];
    const tail = ['.', '!', ''][(k >> 1) % 3];
    lines.push(JSON.stringify({ text: `The ${WORDS[k % WORDS.length]} was ${adjective}, says ${name}${tail}`, label: positive ? 'positive' : 'negative' }));
  }
  return `${lines.join('\n')}\n`;
}

describe('salience audit --texts', () => {
  const tmp = scratch();
  let data: string;
  let shifted: string;
  beforeAll(() => {
    data = tmp.path('data.jsonl');
    shifted = tmp.path('shifted.jsonl');
    writeFileSync(data, reviews(24, 1));
    writeFileSync(shifted, reviews(12, 5));
    writeFileSync(tmp.path('names.txt'), '# the names\nKevin\nmaria\n');
  });
  afterAll(() => tmp.remove());

  it('writes report.html and summary.json: accuracy, per-class tokens by lift, shifts, groups', async () => {
    const out = tmp.path('out');
    const run = await salience([
      'audit',
      '--model',
      model,
      '--texts',
      data,
      '--shifted',
      shifted,
      '--suspect',
      tmp.path('names.txt'),
      '--method',
      'grad-x-embedding',
      '--chunk-size',
      '10',
      '--out',
      out,
      '--json',
    ]);
    expect(run.stderr).not.toMatch(/salience:/);
    expect(run.code).toBe(0);
    const summary = run.json<TextAuditSummary>();
    expect(readdirSync(out).sort()).toEqual(['.salience-audit', '.salience-manifest.json', 'report.html', 'summary.json']);
    expect(JSON.parse(readFileSync(`${out}/summary.json`, 'utf8'))).toEqual(summary);
    expect(summary).toMatchObject({ command: 'audit', kind: 'text', classNames: ['negative', 'neutral', 'positive'], chunks: { size: 10, total: 5, resumed: 0, computed: 5 } });
    expect(summary.datasets).toEqual([
      { name: 'clean', path: data, count: 24, labelled: 24 },
      { name: 'shifted', path: shifted, count: 12, labelled: 12 },
    ]);
    expect(summary.configuration.suspects.tokens).toEqual(['kevin', 'maria']);
    const [clean] = summary.groups;
    expect(clean!.labelled).toBe(24);
    expect(clean!.accuracy).toBe(clean!.correct / 24);
    const classes = clean!.methods['grad-x-embedding']!.classes;
    expect(classes.reduce((n, c) => n + c.examples, 0)).toBe(24);
    for (const c of classes) {
      // Shares of one class's mass add up to 1 over its tokens; the list is ordered by lift.
      const lifts = c.top.map((t) => t.lift);
      expect(lifts).toEqual([...lifts].sort((a, b) => b - a));
      expect(Object.keys(c.groups)).toEqual(['punctuation', 'suspect']);
    }
    expect(summary.shifts.length).toBeGreaterThan(0);
    const html = readFileSync(`${out}/report.html`, 'utf8');
    expect(html).toContain('distilbert on clean');
    expect(html).toContain('Clean against shifted data');
    expect(html).toContain('class="salience-token"');
  }, 60_000); // a gradient graph per padded length: about 5 s here

  it('resumes from the saved chunks, refuses another configuration, and starts over with --fresh', async () => {
    const out = tmp.path('resume');
    const args = ['audit', '--model', model, '--texts', data, '--method', 'occlusion', '--chunk-size', '8', '--json', '--out', out];
    const first = await salience(args);
    expect(first.code).toBe(0);
    const again = await salience(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/resuming: 3 of 3 chunks done/);
    const [a, b] = [first.json<TextAuditSummary>(), again.json<TextAuditSummary>()];
    expect(b.chunks).toMatchObject({ resumed: 3, computed: 0 });
    expect(b.groups).toEqual(a.groups);
    const other = await salience([...args.slice(0, -2), '--window', '2', '--out', out]);
    expect(other.code).toBe(10);
    expect(other.stderr).toMatch(/holds an audit with another configuration \(methods changed\); give --fresh/);
    const fresh = await salience([...args, '--window', '2', '--fresh']);
    expect(fresh.code).toBe(0);
    expect(fresh.json<TextAuditSummary>().chunks).toMatchObject({ resumed: 0, computed: 3 });
  });

  it('stops when asked: exit 130, the finished chunks kept, and a rerun resumes them', async () => {
    const out = tmp.path('abort');
    const controller = new AbortController();
    const flags = { model, texts: data, method: ['occlusion'], chunkSize: '8', out, progress: false, relu: true, quiet: true } as AuditFlags;
    const context = { stdout: captureStream(), stderr: captureStream(), signal: controller.signal };
    const run = runTextAudit(flags, context, process.cwd(), { onChunk: (info) => info.chunk === 0 && controller.abort(new Error('interrupted')) });
    await expect(run).rejects.toMatchObject({ exitCode: 130, message: expect.stringMatching(/Interrupted: 1 of 3 chunks are saved in .*; run the same command again to resume/) });
    expect(existsSync(`${out}/report.html`)).toBe(false);
    expect(readdirSync(`${out}/.salience-audit`).sort()).toEqual(['data-0000.m0.rec', 'run.json']);
    const rerun = await salience(['audit', '--model', model, '--texts', data, '--method', 'occlusion', '--chunk-size', '8', '--out', out, '--json']);
    expect(rerun.json<TextAuditSummary>().chunks).toMatchObject({ resumed: 1, computed: 2 });
  });

  it('runs token occlusion on a quantized model, and sets two models side by side', async () => {
    const out = tmp.path('quantized');
    const run = await salience([
      'audit',
      '--model',
      `${model}/onnx/model_quantized.onnx`,
      '--tokenizer',
      `${model}/tokenizer.json`,
      '--compare-model',
      bert,
      '--texts',
      shifted,
      '--out',
      out,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Using occlusion \(forward-only\): model_quantized gives no gradients/);
    const summary = run.json<TextAuditSummary>();
    expect(summary.configuration.methods.map((m) => m.name)).toEqual(['occlusion']);
    expect(summary.models.map((m) => [m.name, m.role])).toEqual([
      ['model_quantized', 'audited'],
      ['bert', 'compared'],
    ]);
    expect(summary.models[0]!.quantized.length).toBeGreaterThan(0);
    expect(summary.comparisons).toHaveLength(1);
    expect(summary.comparisons[0]).toMatchObject({ first: 'model_quantized', second: 'bert', count: 12 });
  });

  it('audits unlabelled texts (.txt, streamed line by line): no accuracy, no correct/incorrect, no label-meaning findings', async () => {
    const txt = tmp.path('plain.txt');
    writeFileSync(txt, ['a wonderful film, says Kevin.', '', 'an awful meal!', 'The trip was dull, says Maria'].join('\n'));
    const run = await salience(['audit', '--model', model, '--texts', txt, '--method', 'occlusion', '--out', tmp.path('plain'), '--json']);
    expect(run.code).toBe(0);
    const summary = run.json<TextAuditSummary>();
    expect(summary.datasets).toEqual([{ name: 'data', path: txt, count: 3, labelled: 0 }]);
    const [g] = summary.groups;
    expect(g).toMatchObject({ count: 3, labelled: 0, accuracy: null });
    expect(g!.methods.occlusion!.correct).toBeUndefined();
    expect(summary.findings).toEqual([]);
  });

  it('refuses, before any work, labels the model does not have, image options, and unknown methods', async () => {
    const bad = tmp.path('bad.jsonl');
    writeFileSync(bad, '{"text": "fine", "label": "positive"}\n{"text": "meh", "label": "so-so"}\n');
    const out = tmp.path('refused');
    const label = await salience(['audit', '--model', model, '--texts', bad, '--out', out]);
    expect(label.code).toBe(3);
    expect(label.stderr).toMatch(/bad\.jsonl:2: the label 'so-so' is not a class of the model \(negative, neutral, positive\)/);
    expect(existsSync(out)).toBe(false);
    const image = await salience(['audit', '--model', model, '--texts', data, '--truth', data, '--out', out]);
    expect(image.code).toBe(2);
    expect(image.stderr).toMatch(/--truth is not for text audits: labels come from the "label" field of --texts/);
    const method = await salience(['audit', '--model', model, '--texts', data, '--method', 'gradcam', '--out', out]);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/Unknown method 'gradcam' for a text audit/);
    const missing = await salience(['audit', '--model', model, '--texts', tmp.path('nope.jsonl'), '--out', out]);
    expect(missing.code).toBe(3);
    expect(existsSync(out)).toBe(false);
  });
});
