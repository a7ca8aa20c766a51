import { describe, expect, it } from 'vitest';
import { BANG, GREAT, NAME, syntheticRecords, THE, VOCAB } from '../../test/synthetic-texts.js';
import { TextAuditCollector } from './text-collector.js';
import type { TextAuditRecord } from './text-record.js';

const tokenOf = (_model: string, id: number) => VOCAB[id]!;

function audit(records: Record<string, TextAuditRecord[]>, options: { suspects?: string[]; datasets?: Record<string, Record<string, TextAuditRecord[]>> } = {}) {
  const collector = new TextAuditCollector({ classes: 2, classNames: ['negative', 'positive'], tokenOf, suspects: options.suspects });
  const datasets = options.datasets ?? { data: records };
  for (const [name, byModel] of Object.entries(datasets)) {
    // In chunks of 50, as an audit adds them.
    const count = Object.values(byModel)[0]!.length;
    for (let first = 0; first < count; first += 50) collector.add(name, Object.fromEntries(Object.entries(byModel).map(([m, r]) => [m, r.slice(first, first + 50)])));
  }
  return collector.result();
}

describe('TextAuditCollector', () => {
  it('flags a planted token that carries no label meaning, for the class that leans on it', () => {
    const result = audit({ planted: syntheticRecords('ig', { planted: { id: NAME, score: 12 } }) });
    expect(result.findings).toHaveLength(1);
    const [f] = result.findings;
    expect(f).toMatchObject({ model: 'planted', class: 1, kind: 'no-label-meaning', method: 'ig' });
    expect(f!.tokens.map((t) => t.token)).toEqual(['john']);
    expect(f!.share).toBeGreaterThan(0.3);
    expect(f!.lift).toBeGreaterThan(5);
    // It occurs in half of each class's texts: no label meaning.
    expect(f!.labelAssociation).toBeGreaterThan(0.8);
    expect(f!.labelAssociation).toBeLessThan(1.2);
    const positive = result.groups[0]!.methods.ig!.classes.find((c) => c.class === 1);
    expect(positive?.top[0]?.token).toBe('john');
  });

  it('flags nothing when attribution is spread evenly and the strong tokens are label words', () => {
    const result = audit({ uniform: syntheticRecords('ig') });
    expect(result.findings).toEqual([]);
    const positive = result.groups[0]!.methods.ig!.classes.find((c) => c.class === 1);
    // The label word leads by lift; it is not flagged, since it makes its class twice as likely.
    expect(positive?.top[0]?.token).toBe('great');
    expect(positive?.top[0]?.lift).toBeGreaterThan(2);
  });

  it('does not flag a word that signals the other label (it carries label meaning, against the explained class)', () => {
    // A third of the positive texts are called negative, on the strength of 'great' (mistakes, but not a shortcut).
    const records = syntheticRecords('ig').map((r, i) =>
      r.label === 1 && i % 3 === 0 ? { ...r, predicted: 0, target: 0, scores: { ig: r.scores.ig!.map((v, k) => (r.ids[k] === GREAT ? 12 : v)) } } : r,
    );
    const result = audit({ confused: records });
    const negative = result.groups[0]!.methods.ig!.classes.find((c) => c.class === 0);
    expect(negative?.top[0]?.token).toBe('great');
    // Over the share and lift a finding needs: only its label meaning keeps it off the list.
    expect(negative?.top[0]?.share).toBeGreaterThan(result.options.minShare);
    expect(negative?.top[0]?.lift).toBeGreaterThan(result.options.minLift);
    expect(result.findings).toEqual([]);
  });

  it('does not let a common token win by count: by share it leads, by lift it is at 1', () => {
    const result = audit({ uniform: syntheticRecords('ig') });
    const negative = result.groups[0]!.methods.ig!.classes.find((c) => c.class === 0);
    expect(negative?.topByShare[0]?.token).toBe('the');
    const the = negative?.topByShare[0];
    expect(the?.lift).toBeGreaterThan(0.8);
    expect(the?.lift).toBeLessThan(1.1);
    expect(negative?.top[0]?.token).not.toBe('the');
    expect(VOCAB[THE]).toBe('the');
  });

  it('flags suspect tokens as their group, and punctuation as the built-in group', () => {
    const suspect = audit({ planted: syntheticRecords('ig', { planted: { id: NAME, score: 12 } }) }, { suspects: ['John', 'mary'] });
    expect(suspect.findings.map((f) => [f.kind, f.class, f.tokens.map((t) => t.token)])).toEqual([['suspect', 1, ['john']]]);
    const bang = audit({ planted: syntheticRecords('ig', { planted: { id: BANG, score: 12 } }) });
    expect(bang.findings.map((f) => [f.kind, f.class, f.tokens.map((t) => t.token)])).toEqual([['punctuation', 1, ['!']]]);
    expect(bang.groups[0]!.methods.ig!.classes[1]!.groups.punctuation!.share).toBeGreaterThan(0.3);
  });

  it('ignores a planted token below the minimum count (rare tokens do not win by noise)', () => {
    const records = syntheticRecords('ig', { planted: { id: NAME, score: 12 }, decoy: 0.01 });
    const result = audit({ planted: records });
    const names = records.filter((r) => r.ids.includes(NAME)).length;
    expect(names).toBeLessThan(5);
    expect(result.findings).toEqual([]);
  });

  it('counts accuracy, splits correct from incorrect, and follows the token mass from clean to shifted data', () => {
    const clean = syntheticRecords('ig', { planted: { id: NAME, score: 12 } });
    // Shifted: every text holds the name, and the model predicts class 1 for every one of them, on the name.
    const shifted = syntheticRecords('ig', { decoy: 1, seed: 2 }).map((r) => ({
      ...r,
      predicted: 1,
      target: 1,
      scores: { ig: r.scores.ig!.map((v, i) => (r.ids[i] === NAME ? 12 : v)) },
    }));
    const result = audit({}, { datasets: { clean: { planted: clean }, shifted: { planted: shifted } } });
    const [a, b] = result.groups;
    expect(a!.accuracy).toBe(1);
    expect(b!.accuracy).toBeCloseTo(shifted.filter((r) => r.label === 1).length / shifted.length, 10);
    expect(b!.methods.ig!.incorrect?.length).toBeGreaterThan(0);
    const moved = result.shifts.find((s) => s.class === 1);
    expect(moved?.examples[1]).toBe(200);
    // Class 1 now holds every text with the name: its share of the class's mass rises.
    const john = moved?.tokens.find((t) => t.token === 'john');
    expect(john?.after.count).toBeGreaterThan(john?.before.count ?? Infinity);
    expect(john?.change).toBeGreaterThan(0);
  });

  it('keeps per-token sums only: what it holds does not grow with the number of texts', () => {
    const collector = new TextAuditCollector({ classes: 2, tokenOf, top: 1000 });
    const records = syntheticRecords('ig', { planted: { id: NAME, score: 12 } });
    for (let pass = 0; pass < 20; pass++) collector.add('data', { planted: records.map((r) => ({ ...r, index: r.index + pass * records.length })) });
    const result = collector.result();
    expect(result.groups[0]!.count).toBe(4000);
    const classes = result.groups[0]!.methods.ig!.classes;
    // One entry per distinct token the class met, whatever the count; six shown examples.
    for (const c of classes) {
      const distinct = new Set(records.filter((r) => r.target === c.class).flatMap((r) => Array.from(r.ids)));
      expect(c.topByShare.length).toBe(distinct.size);
    }
    expect(result.groups[0]!.methods.ig!.concentrated).toHaveLength(6);
    // Twenty copies of the same texts give the same shares as one.
    const once = audit({ planted: records }).groups[0]!.methods.ig!.classes;
    expect(classes.map((c) => c.topByShare[0]!.share)).toEqual(once.map((c) => expect.closeTo(c.topByShare[0]!.share, 6)));
  });

  it('sets two models side by side: agreement and the similarity of their scores', () => {
    const a = syntheticRecords('ig', { planted: { id: NAME, score: 12 } });
    const b = syntheticRecords('ig').map((r, i) => ({ ...r, predicted: i % 4 === 0 ? 1 - r.predicted : r.predicted, target: i % 4 === 0 ? 1 - r.target : r.target }));
    const result = audit({ shortcut: a, clean: b });
    expect(result.models).toEqual(['shortcut', 'clean']);
    const [c] = result.comparisons;
    expect(c).toMatchObject({ first: 'shortcut', second: 'clean', count: 200, agreement: 0.75, compared: 200 });
    expect(c!.meanSimilarity).toBeGreaterThan(0);
    expect(c!.meanSimilarity).toBeLessThan(1);
    expect(result.findings.map((f) => f.model)).toEqual(['shortcut']);
  });
});
