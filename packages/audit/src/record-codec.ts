import type { AuditRecord, ExampleFacts } from './audit-batch.js';
import type { ExampleMap } from './example-map.js';

/**
 * A compact file format for audit records, so a long audit can keep each finished batch on disk
 * and resume after an interruption: a JSON header for the scalars, then the thumbnails (float32)
 * and pictures (RGBA bytes) as one binary block.
 */
const MAGIC = 'SALAUDIT1\n';

interface EncodedMap {
  readonly mapHeight: number;
  readonly mapWidth: number;
  readonly mass: number;
  readonly shares: Readonly<Record<string, number>>;
  readonly height: number;
  readonly width: number;
  readonly offset: number;
}

/** The facts as they are, the picture as a place in the binary block. */
interface EncodedRecord extends Omit<ExampleFacts, 'image'> {
  readonly image?: { readonly width: number; readonly height: number; readonly offset: number };
  readonly maps: Readonly<Record<string, EncodedMap>>;
}

/** Thrown for bytes that are not a record file (a truncated or foreign file). */
export class RecordFileError extends Error {
  override readonly name = 'RecordFileError';
}

const align4 = (n: number) => (n + 3) & ~3;

export function encodeRecords(records: readonly AuditRecord[]): Uint8Array {
  let blobSize = 0;
  const encoded: EncodedRecord[] = records.map(({ maps: recordMaps, image: picture, ...facts }) => {
    const maps: Record<string, EncodedMap> = {};
    for (const [name, map] of Object.entries(recordMaps)) {
      maps[name] = { mapHeight: map.height, mapWidth: map.width, mass: map.mass, shares: map.shares, height: map.thumbnailHeight, width: map.thumbnailWidth, offset: blobSize };
      blobSize += map.thumbnail.length * 4;
    }
    let image: EncodedRecord['image'];
    if (picture) {
      image = { width: picture.width, height: picture.height, offset: blobSize };
      blobSize = align4(blobSize + picture.data.length);
    }
    return { ...facts, ...(image ? { image } : {}), maps };
  });
  const header = new TextEncoder().encode(JSON.stringify({ records: encoded }));
  const start = align4(MAGIC.length + 4 + header.length);
  const bytes = new Uint8Array(start + blobSize);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  const floats = new Float32Array(bytes.buffer, start, blobSize / 4);
  records.forEach((record, r) => {
    for (const [name, map] of Object.entries(record.maps)) floats.set(map.thumbnail, encoded[r]!.maps[name]!.offset / 4);
    const image = encoded[r]!.image;
    if (record.image && image) bytes.set(record.image.data, start + image.offset);
  });
  return bytes;
}

export function decodeRecords(bytes: Uint8Array): AuditRecord[] {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC || bytes.length < MAGIC.length + 4) throw new RecordFileError('Not an audit record file (wrong magic bytes).');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const start = align4(MAGIC.length + 4 + headerLength);
  if (start > bytes.length) throw new RecordFileError('The audit record file is truncated (header).');
  let header: { records: EncodedRecord[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)));
  } catch (error) {
    throw new RecordFileError(`The audit record file has an unreadable header: ${(error as Error).message}`);
  }
  // Copy the block so the records do not pin a larger buffer and floats are aligned. (A Node
  // Buffer's own slice() is a view, hence Uint8Array's.)
  const blob = Uint8Array.prototype.slice.call(bytes, start);
  const floatsAt = (offset: number, length: number): Float32Array => {
    if (offset + length * 4 > blob.length) throw new RecordFileError('The audit record file is truncated (maps).');
    return new Float32Array(blob.buffer, offset, length);
  };
  return header.records.map(({ maps: encodedMaps, image: picture, ...facts }) => {
    const maps: Record<string, ExampleMap> = {};
    for (const [name, m] of Object.entries(encodedMaps)) {
      maps[name] = {
        height: m.mapHeight,
        width: m.mapWidth,
        mass: m.mass,
        shares: m.shares,
        thumbnailHeight: m.height,
        thumbnailWidth: m.width,
        thumbnail: floatsAt(m.offset, m.height * m.width),
      };
    }
    let image: AuditRecord['image'];
    if (picture) {
      const length = picture.width * picture.height * 4;
      if (picture.offset + length > blob.length) throw new RecordFileError('The audit record file is truncated (pictures).');
      image = { width: picture.width, height: picture.height, data: new Uint8ClampedArray(blob.buffer, picture.offset, length) };
    }
    return { ...facts, ...(image ? { image } : {}), maps };
  });
}
