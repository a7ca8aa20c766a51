import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-batch.js';
import { AuditCollector } from './audit-collector.js';
import { auditReportHtml } from './audit-report.js';
import { summariseMap } from './example-map.js';
import { decodeRecords, encodeRecords } from './record-codec.js';
import { defaultRegions } from './regions.js';

const SIDE = 8;
const REGIONS = defaultRegions(SIDE, SIDE);

/** 50 examples of 4 classes with uneven maps and pictures; class 3's maps lean to a corner. */
function records(): AuditRecord[] {
  return Array.from({ length: 50 }, (_, i) => {
    const predicted = i % 7 === 0 ? (i + 1) % 4 : i % 4;
    const map = Float32Array.from({ length: SIDE * SIDE }, (_, p) => Math.abs(Math.sin(p * 0.37 + i * 1.3)) + (predicted === 3 && p === SIDE * SIDE - 1 ? 40 : 0));
    const image = { width: SIDE, height: SIDE, data: Uint8ClampedArray.from({ length: SIDE * SIDE * 4 }, (_, p) => (p * 13 + i) % 256) };
    return {
      index: i,
      name: `x${i}`,
      label: i % 4,
      predicted,
      probability: 0.3 + ((i * 7) % 10) / 15,
      target: predicted,
      image,
      maps: { ig: summariseMap(map, SIDE, SIDE, REGIONS) },
    };
  });
}

function report(chunks: readonly AuditRecord[][]): { json: string; html: string } {
  const collector = new AuditCollector({ classes: 4, classNames: ['a', 'b', 'c', 'd'], top: 5 });
  for (const chunk of chunks) collector.add('data', { model: chunk });
  const result = collector.result();
  return { json: JSON.stringify(result, (_, v) => (v instanceof Float32Array ? Array.from(v) : v)), html: auditReportHtml(result, { title: 'audit' }) };
}

// What spreading an audit over machines relies on: a chunk's records, encoded where they were
// computed and decoded elsewhere, then added chunk by chunk in the dataset's order, give the
// result and the report of the records added as they were computed, bit for bit.
describe('records that travel as chunk files', () => {
  it('give the same result and the same report, byte for byte, when added in chunk order', () => {
    const all = records();
    const chunks = [all.slice(0, 16), all.slice(16, 32), all.slice(32, 48), all.slice(48)];
    const here = report(chunks);
    // Chunks computed on "other machines", in another order, and read back in chunk order.
    const files = new Map([2, 0, 3, 1].map((c) => [c, encodeRecords(chunks[c]!)]));
    const travelled = report([0, 1, 2, 3].map((c) => decodeRecords(files.get(c) as Uint8Array)));
    expect(travelled.json).toBe(here.json);
    expect(travelled.html).toBe(here.html);
    // The data exercise the findings and the ranked lists, not only the sums.
    expect((JSON.parse(here.json) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
  });
});
