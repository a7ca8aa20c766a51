import { describe, expect, it } from 'vitest';
import { syntheticRecords } from '../../test/synthetic-texts.js';
import { RecordFileError } from '../record-codec.js';
import { decodeTextRecords, encodeTextRecords } from './text-record.js';

describe('text record files', () => {
  it('give back the records as they were: facts, ids and every method’s scores', () => {
    const records = syntheticRecords('ig', { count: 7 }).map((r, i) => ({
      ...r,
      label: i === 3 ? null : r.label,
      scores: { ig: r.scores.ig!, occlusion: r.scores.ig!.map((v) => -v) },
    }));
    const back = decodeTextRecords(encodeTextRecords(records));
    expect(back).toHaveLength(7);
    for (const [i, r] of back.entries()) {
      expect(r).toMatchObject({ index: i, name: `t${i}`, label: records[i]!.label, predicted: records[i]!.predicted, target: records[i]!.target });
      expect(Array.from(r.ids)).toEqual(Array.from(records[i]!.ids));
      expect(Array.from(r.scores.ig!)).toEqual(Array.from(records[i]!.scores.ig!));
      expect(Array.from(r.scores.occlusion!)).toEqual(Array.from(records[i]!.scores.occlusion));
    }
  });

  it('refuse foreign and truncated bytes, and a score list of the wrong length', () => {
    const bytes = encodeTextRecords(syntheticRecords('ig', { count: 3 }));
    expect(() => decodeTextRecords(new TextEncoder().encode('SALAUDIT1\n....'))).toThrow(RecordFileError);
    expect(() => decodeTextRecords(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
    const [r] = syntheticRecords('ig', { count: 1 });
    expect(() => encodeTextRecords([{ ...r!, scores: { ig: r!.scores.ig!.subarray(1) } }])).toThrow(/scores for/);
  });
});
