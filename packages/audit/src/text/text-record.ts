import { ShapeError } from '@salience/core';
import type { ExampleFacts } from '../audit-batch.js';
import { RecordFileError } from '../record-codec.js';

/**
 * What a text audit keeps of one example for one model: who it is, what the model said, and per
 * method one score per scored token. Special tokens and padding are left out, so `ids` and every
 * score list are the text's own tokens, in order.
 */
export interface TextAuditRecord extends Omit<ExampleFacts, 'image'> {
  /** Token ids of the scored tokens. */
  readonly ids: Int32Array;
  /** One score per id, by method name (signed, as the method gave them). */
  readonly scores: Readonly<Record<string, Float32Array>>;
}

/** Text records on disk: a JSON header for the facts, then the ids (int32) and scores (float32) as one block. */
const MAGIC = 'SALTEXT1\n';

interface EncodedTextRecord extends Omit<TextAuditRecord, 'ids' | 'scores'> {
  readonly tokens: number;
  /** Offset (in 4-byte words) of the ids, then of each method's scores in `methods` order. */
  readonly offset: number;
  readonly methods: readonly string[];
}

const align4 = (n: number) => (n + 3) & ~3;

/** The records as bytes, for an audit's chunk files (resuming). */
export function encodeTextRecords(records: readonly TextAuditRecord[]): Uint8Array {
  let words = 0;
  const encoded: EncodedTextRecord[] = records.map(({ ids, scores, ...facts }) => {
    const methods = Object.keys(scores);
    for (const m of methods) {
      if (scores[m]!.length !== ids.length) throw new ShapeError(`Record ${facts.index}: ${m} has ${scores[m]!.length} scores for ${ids.length} tokens.`);
    }
    const record = { ...facts, tokens: ids.length, offset: words, methods };
    words += ids.length * (1 + methods.length);
    return record;
  });
  const header = new TextEncoder().encode(JSON.stringify({ records: encoded }));
  const start = align4(MAGIC.length + 4 + header.length);
  const bytes = new Uint8Array(start + words * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  const ints = new Int32Array(bytes.buffer, start, words);
  const floats = new Float32Array(bytes.buffer, start, words);
  records.forEach((record, r) => {
    const { offset, methods, tokens } = encoded[r]!;
    ints.set(record.ids, offset);
    for (const [k, m] of methods.entries()) floats.set(record.scores[m]!, offset + tokens * (k + 1));
  });
  return bytes;
}

/** The records of `encodeTextRecords`; throws RecordFileError for bytes that are not such a file. */
export function decodeTextRecords(bytes: Uint8Array): TextAuditRecord[] {
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new RecordFileError('Not a text audit record file (wrong magic bytes).');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const start = align4(MAGIC.length + 4 + headerLength);
  if (start > bytes.length) throw new RecordFileError('The text audit record file is truncated (header).');
  let header: { records: EncodedTextRecord[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)));
  } catch (error) {
    throw new RecordFileError(`The text audit record file has an unreadable header: ${(error as Error).message}`);
  }
  // A copy: aligned, and not pinning a larger buffer.
  const block = Uint8Array.prototype.slice.call(bytes, start) as Uint8Array;
  const words = block.length >> 2;
  return header.records.map(({ tokens, offset, methods, ...facts }) => {
    if (offset + tokens * (1 + methods.length) > words) throw new RecordFileError('The text audit record file is truncated (scores).');
    const ids = new Int32Array(block.buffer, offset * 4, tokens);
    const scores: Record<string, Float32Array> = {};
    methods.forEach((m, k) => {
      scores[m] = new Float32Array(block.buffer, (offset + tokens * (k + 1)) * 4, tokens);
    });
    return { ...facts, ids, scores };
  });
}
