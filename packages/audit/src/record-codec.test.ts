import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-batch.js';
import { summariseMap } from './example-map.js';
import { decodeRecords, encodeRecords, RecordFileError } from './record-codec.js';
import { defaultRegions } from './regions.js';

function record(index: number, withImage: boolean): AuditRecord {
  const map = Float32Array.from({ length: 36 }, (_, i) => Math.sin(i + index));
  const image = { width: 6, height: 6, data: Uint8ClampedArray.from({ length: 144 }, (_, i) => (i * 7 + index) % 256) };
  return {
    index,
    name: `ex-${index} "quoted"`,
    label: index % 2 === 0 ? index % 3 : null,
    predicted: 1,
    probability: 0.25 + index / 100,
    target: 2,
    ...(withImage ? { image } : {}),
    maps: {
      gradient: summariseMap(map, 6, 6, defaultRegions(6, 6)),
      gradcam: summariseMap(
        map.map((v) => v * v),
        6,
        6,
        defaultRegions(6, 6),
      ),
    },
  };
}

describe('record files', () => {
  it('round-trips records exactly, with and without pictures', () => {
    const records = [record(0, true), record(1, false), record(2, true)];
    const decoded = decodeRecords(encodeRecords(records));
    expect(decoded).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const a = records[i]!;
      const b = decoded[i]!;
      expect({ ...b, maps: undefined, image: undefined }).toEqual({ ...a, maps: undefined, image: undefined });
      expect(Array.from(b.image?.data ?? [])).toEqual(Array.from(a.image?.data ?? []));
      for (const name of ['gradient', 'gradcam']) {
        expect(b.maps[name]!.shares).toEqual(a.maps[name]!.shares);
        expect(b.maps[name]!.mass).toBe(a.maps[name]!.mass);
        expect(Array.from(b.maps[name]!.thumbnail)).toEqual(Array.from(a.maps[name]!.thumbnail));
      }
    }
  });

  it('reads a Node Buffer at any offset (its slice() is a view)', () => {
    const records = [record(3, true), record(4, true)];
    const bytes = encodeRecords(records);
    const padded = Buffer.alloc(bytes.length + 7);
    padded.set(bytes, 7);
    const decoded = decodeRecords(padded.subarray(7));
    expect(Array.from(decoded[1]!.maps.gradient!.thumbnail)).toEqual(Array.from(records[1]!.maps.gradient!.thumbnail));
    expect(Array.from(decoded[0]!.image?.data ?? [])).toEqual(Array.from(records[0]!.image?.data ?? []));
  });

  it('round-trips an empty batch', () => {
    expect(decodeRecords(encodeRecords([]))).toEqual([]);
  });

  it('refuses truncated and foreign files', () => {
    const bytes = encodeRecords([record(0, true)]);
    expect(() => decodeRecords(bytes.subarray(0, bytes.length - 10))).toThrow(RecordFileError);
    expect(() => decodeRecords(bytes.subarray(0, 20))).toThrow(RecordFileError);
    expect(() => decodeRecords(new TextEncoder().encode('{"records": []}'))).toThrow(/magic/);
  });
});
