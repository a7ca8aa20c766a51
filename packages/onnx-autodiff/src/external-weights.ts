import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ModelFormatError } from './errors.js';

// Wire field numbers of onnx.proto3 used here.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const LENGTH_DELIMITED = WireType.LengthDelimited;

export interface ExternalizeOptions {
  /** The external data "file" name the initializers point at (as `SessionOptions.externalData[].path`). */
  readonly location: string;
  /**
   * Initializers with fewer raw bytes stay in the model (default 1024): shape constants and other
   * small values that shape inference and folding read, and that ONNX Runtime wants inline.
   */
  readonly minBytes?: number;
}

/**
 * The model with the raw data of its large top-level initializers left out and pointed at instead,
 * as external data: `location` at the offset where each tensor's bytes sit in `model` itself. Given
 * to ONNX Runtime with `externalData: [{ path: location, data: model }]`, it loads the same weights
 * without anyone copying or re-encoding them, so a graph extended from this small model (a few
 * hundred kB for a 268 MB transformer) is serialised and parsed in milliseconds. Everything else,
 * fields this schema does not know included, is kept byte for byte. Returns undefined when no
 * initializer is large enough to move.
 */
export function externalizeWeights(model: Uint8Array, options: ExternalizeOptions): Uint8Array | undefined {
  const minBytes = options.minBytes ?? 1024;
  const parts: Uint8Array[] = [];
  let moved = 0;
  const reader = new BinaryReader(model);
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo !== MODEL_GRAPH || wireType !== LENGTH_DELIMITED) {
      reader.skip(wireType, fieldNo);
      parts.push(model.subarray(start, reader.pos));
      continue;
    }
    const graphBytes = reader.bytes();
    const graphStart = reader.pos - graphBytes.length;
    const graph: Uint8Array[] = [];
    const inner = new BinaryReader(graphBytes);
    while (inner.pos < inner.len) {
      const fieldStart = inner.pos;
      const [innerNo, innerType] = inner.tag();
      if (innerNo === GRAPH_INITIALIZER && innerType === LENGTH_DELIMITED) {
        const size = inner.bytes().length;
        const tensorStart = graphStart + inner.pos - size;
        const rewritten = pointedTensor(model, tensorStart, tensorStart + size, options.location, minBytes);
        if (rewritten) {
          graph.push(lengthPrefix(GRAPH_INITIALIZER, rewritten.length), rewritten);
          moved++;
          continue;
        }
      } else inner.skip(innerType, innerNo);
      graph.push(model.subarray(graphStart + fieldStart, graphStart + inner.pos));
    }
    parts.push(
      lengthPrefix(
        MODEL_GRAPH,
        graph.reduce((n, p) => n + p.length, 0),
      ),
      ...graph,
    );
  }
  if (moved === 0) return undefined;
  return concat(parts);
}

/** A TensorProto [start, end) of `model` rewritten to point at its raw data in `model`, or undefined to keep it as it is. */
function pointedTensor(model: Uint8Array, start: number, end: number, location: string, minBytes: number): Uint8Array | undefined {
  const reader = new BinaryReader(model.subarray(start, end));
  const kept: Uint8Array[] = [];
  let raw: { offset: number; length: number } | undefined;
  while (reader.pos < reader.len) {
    const fieldStart = reader.pos;
    const [field, wireType] = reader.tag();
    // Already external (or a location set some other way): not ours to move.
    if (field === TENSOR_EXTERNAL_DATA || field === TENSOR_DATA_LOCATION) return undefined;
    if (field === TENSOR_RAW_DATA && wireType === LENGTH_DELIMITED) {
      const length = reader.bytes().length;
      raw = { offset: start + reader.pos - length, length };
      continue;
    }
    reader.skip(wireType, field);
    kept.push(model.subarray(start + fieldStart, start + reader.pos));
  }
  if (!raw || raw.length < minBytes) return undefined;
  const writer = new BinaryWriter();
  const entry = (key: string, value: string) => {
    // StringStringEntryProto { key = 1; value = 2 }
    writer.tag(TENSOR_EXTERNAL_DATA, LENGTH_DELIMITED).fork().tag(1, LENGTH_DELIMITED).string(key).tag(2, LENGTH_DELIMITED).string(value).join();
  };
  entry('location', location);
  entry('offset', String(raw.offset));
  entry('length', String(raw.length));
  // data_location = EXTERNAL (1)
  writer.tag(TENSOR_DATA_LOCATION, WireType.Varint).int32(1);
  return concat([...kept, writer.finish()]);
}

function lengthPrefix(field: number, length: number): Uint8Array {
  return new BinaryWriter().tag(field, LENGTH_DELIMITED).uint32(length).finish();
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  if (size > 0x7fffffff) throw new ModelFormatError('The model without its large weights is still over 2 GB.');
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
