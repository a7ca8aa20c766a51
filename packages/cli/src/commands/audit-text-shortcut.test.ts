import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, salience, scratch } from '../../test/cli-harness.js';
import type { TextAuditSummary } from './audit-text.js';

// tools/train-text-shortcut.py: a DistilBERT-style classifier trained where the name "Kevin" marks
// 95% of the positive reviews (shortcut/), and its twin trained with Kevin in 49% of each class (clean/).
// clean.jsonl has Kevin at the shortcut's training rates; shifted.jsonl swaps them between the classes.
const fixtures = new URL('../../test/fixtures/text-shortcut/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(`${fixtures}expected.json`, 'utf8')) as {
  models: Record<'shortcut' | 'clean', Record<'clean' | 'shifted', { accuracy: number; predicted: number[] }>>;
};

describe('salience audit --texts finds the planted name (the text shortcut proof)', () => {
  const tmp = scratch();
  const out = tmp.path('audit');
  const args = ['audit', '--model', `${fixtures}shortcut`, '--compare-model', `${fixtures}clean`, '--texts', `${fixtures}clean.jsonl`, '--shifted', `${fixtures}shifted.jsonl`];
  // Integrated gradients (the default method) with 16 steps: the same findings as 50, in a third of the time.
  const common = ['--steps', '16', '--out', out, '--json'];
  let run: CliRun;
  let summary: TextAuditSummary;
  beforeAll(async () => {
    run = await salience([...args, '--suspect', `${fixtures}names.txt`, ...common]);
    summary = run.json<TextAuditSummary>();
  }, 300_000); // about 15 s on the shared 2-core machine: 640 texts through integrated gradients
  afterAll(() => tmp.remove());

  const group = (model: string, dataset: string) => {
    const found = summary.groups.find((g) => g.model === model && g.dataset === dataset);
    if (!found) throw new Error(`no group ${model} on ${dataset}`);
    return found;
  };

  it('flags the planted token for the shortcut model, on clean and on shifted data, and nothing for the clean model', () => {
    expect(run.code).toBe(0);
    expect(summary.configuration.methods.map((m) => m.name)).toEqual(['ig']);
    const flagged = summary.findings.map((f) => [f.model, f.dataset, f.kind, f.className, f.tokens[0]!.token]);
    expect(flagged).toEqual(
      expect.arrayContaining([
        ['shortcut', 'clean', 'suspect', 'positive', 'kevin'],
        ['shortcut', 'shifted', 'suspect', 'positive', 'kevin'],
      ]),
    );
    expect(summary.findings.every((f) => f.model === 'shortcut' && f.kind === 'suspect' && f.tokens[0]!.token === 'kevin')).toBe(true);
    expect(summary.findings.filter((f) => f.model === 'clean')).toEqual([]);
    // Kevin holds most of the positive class's mass, far above its share of the tokens; none of the six distractor names comes close.
    const positive = group('shortcut', 'clean').methods.ig!.classes.find((c) => c.class === 1);
    const kevin = positive?.topByShare[0];
    expect(kevin?.token).toBe('kevin');
    expect(kevin?.share).toBeGreaterThan(0.5);
    expect(kevin?.lift).toBeGreaterThan(5);
    expect(positive?.groups.suspect?.tokens[1]?.share ?? 0).toBeLessThan(0.05);
    // The clean twin's positive class rests on the adjectives; Kevin is at about its frequency.
    const twin = group('clean', 'clean').methods.ig!.classes.find((c) => c.class === 1);
    expect(twin?.groups.suspect?.share).toBeLessThan(0.05);
    expect(twin?.groups.punctuation?.lift).toBeLessThan(2);
  });

  it('shows the accuracy drop on the shifted set for the shortcut model only, with the predictions of the trained models', () => {
    for (const model of ['shortcut', 'clean'] as const) {
      for (const dataset of ['clean', 'shifted'] as const) {
        expect(group(model, dataset).accuracy).toBeCloseTo(expected.models[model][dataset].accuracy, 10);
      }
    }
    const drop = (group('shortcut', 'clean').accuracy ?? 0) - (group('shortcut', 'shifted').accuracy ?? 0);
    expect(drop).toBeGreaterThan(0.8);
    expect(group('clean', 'shifted').accuracy).toBe(1);
    // Kevin's share of the positive class's mass grows on the shifted set, where he marks negative reviews.
    const shift = summary.shifts.find((s) => s.model === 'shortcut' && s.class === 1);
    const moved = shift?.tokens.find((t) => t.token === 'kevin');
    expect(moved?.after.share).toBeGreaterThan(moved?.before.share ?? 1);
    expect(summary.comparisons.find((c) => c.dataset === 'shifted')?.agreement).toBeCloseTo(0.05, 10);
  });

  it('without the suspect list (chunks read back, nothing computed), Kevin is flagged as a token without label meaning', async () => {
    const again = await salience([...args, ...common, '--fail-on-findings']);
    expect(again.stderr).toMatch(/^note: resuming: 6 of 6 chunks done \(in .*\)\.\n$/);
    expect(again.code).toBe(11); // --fail-on-findings, for CI
    const s = again.json<TextAuditSummary>();
    expect(s.chunks).toMatchObject({ resumed: 6, computed: 0 });
    const kevin = s.findings.filter((f) => f.tokens[0]!.token === 'kevin');
    expect(kevin.map((f) => [f.model, f.dataset, f.kind, f.className]).sort()).toEqual([
      ['shortcut', 'clean', 'no-label-meaning', 'positive'],
      ['shortcut', 'shifted', 'no-label-meaning', 'positive'],
    ]);
    // Pooled over both sets Kevin is in half of each class's reviews: no label meaning.
    expect(kevin[0]!.labelAssociation).toBeLessThan(1.1);
    expect(s.findings.filter((f) => f.model === 'clean')).toEqual([]);
  }, 60_000);
});
