import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  type AttributeProto_AttributeType,
  AttributeProtoSchema,
  type GraphProto,
  type NodeDeviceConfigurationProto,
  type NodeProto,
  NodeProtoSchema,
  type SparseTensorProto,
  type StringStringEntryProto,
  type TensorProto,
  TensorProto_DataLocation,
  TensorProto_DataType,
  type TensorProto_Segment,
  TensorProtoSchema,
  type TypeProto,
} from './proto/onnx_pb.js';

// The ONNX messages, generated from the current onnx.proto by protoc-gen-es (src/proto/onnx_pb.ts).
// Messages are plain objects made by create(Schema, init) or fromBinary; 64-bit integers are bigint.
export type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  TensorShapeProto_Dimension,
  TypeProto,
  ValueInfoProto,
} from './proto/onnx_pb.js';
export {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProto_DataLocation as DataLocation,
  TensorProtoSchema,
  ValueInfoProtoSchema,
} from './proto/onnx_pb.js';

/** A NodeProto's fields as an object literal (nested messages too), for create(NodeProtoSchema, init). */
export type NodeInit = MessageInitShape<typeof NodeProtoSchema>;

/** A TensorProto's fields as an object literal (int64 dims as bigint), for create(TensorProtoSchema, init). */
export type TensorInit = MessageInitShape<typeof TensorProtoSchema>;

/** A 64-bit integer field (bigint in decoded messages), or a number given by a caller. */
export type Int64Like = bigint | number | null | undefined;

export function toNumber(value: Int64Like): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** A message's own fields, set as they are (messages where the schema has messages, int64 as bigint). */
export type Fields<Desc extends DescMessage> = { [K in Exclude<keyof MessageShape<Desc>, '$typeName' | '$unknown'>]?: MessageShape<Desc>[K] };

// The nodes, attributes and constants a gradient build appends by the thousand are made by these
// classes rather than by create(), which walks every field of the schema and made a first build of
// DistilBERT's gradient graph ~10 ms (a third) slower than the plain objects of the protobufjs days.
// An instance is the message create() makes: the same own fields (lists always, scalars when set)
// over the schema's prototype of proto2 defaults (src/proto.test.ts compares them after regeneration).
let defaultsLinked = false;
function linkDefaults(): void {
  if (defaultsLinked) return;
  defaultsLinked = true;
  Object.setPrototypeOf(BuiltNode.prototype, Object.getPrototypeOf(create(NodeProtoSchema)));
  Object.setPrototypeOf(BuiltAttribute.prototype, Object.getPrototypeOf(create(AttributeProtoSchema)));
  Object.setPrototypeOf(BuiltTensor.prototype, Object.getPrototypeOf(create(TensorProtoSchema)));
}

class BuiltNode implements NodeProto {
  readonly $typeName = 'onnx.NodeProto';
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  metadataProps: StringStringEntryProto[] = [];
  deviceConfigurations: NodeDeviceConfigurationProto[] = [];
  declare name: string;
  declare opType: string;
  declare domain: string;
  declare overload: string;
  declare docString: string;
  constructor(fields: Fields<typeof NodeProtoSchema>) {
    this.input = fields.input ?? [];
    this.output = fields.output ?? [];
    this.attribute = fields.attribute ?? [];
    if (fields.name !== undefined) this.name = fields.name;
    if (fields.opType !== undefined) this.opType = fields.opType;
    if (fields.domain !== undefined) this.domain = fields.domain;
  }
}

class BuiltAttribute implements AttributeProto {
  readonly $typeName = 'onnx.AttributeProto';
  floats: number[];
  ints: bigint[];
  strings: Uint8Array[];
  tensors: TensorProto[] = [];
  graphs: GraphProto[] = [];
  sparseTensors: SparseTensorProto[] = [];
  typeProtos: TypeProto[] = [];
  declare name: string;
  declare refAttrName: string;
  declare docString: string;
  declare type: AttributeProto_AttributeType;
  declare f: number;
  declare i: bigint;
  declare s: Uint8Array;
  declare t?: TensorProto;
  declare g?: GraphProto;
  declare sparseTensor?: SparseTensorProto;
  declare tp?: TypeProto;
  constructor(fields: Fields<typeof AttributeProtoSchema>) {
    this.floats = fields.floats ?? [];
    this.ints = fields.ints ?? [];
    this.strings = fields.strings ?? [];
    if (fields.name !== undefined) this.name = fields.name;
    if (fields.type !== undefined) this.type = fields.type;
    if (fields.f !== undefined) this.f = fields.f;
    if (fields.i !== undefined) this.i = fields.i;
    if (fields.s !== undefined) this.s = fields.s;
    if (fields.t !== undefined) this.t = fields.t;
  }
}

class BuiltTensor implements TensorProto {
  readonly $typeName = 'onnx.TensorProto';
  dims: bigint[];
  floatData: number[] = [];
  int32Data: number[] = [];
  stringData: Uint8Array[] = [];
  int64Data: bigint[] = [];
  externalData: StringStringEntryProto[] = [];
  doubleData: number[] = [];
  uint64Data: bigint[] = [];
  metadataProps: StringStringEntryProto[] = [];
  declare dataType: number;
  declare segment?: TensorProto_Segment;
  declare name: string;
  declare docString: string;
  declare rawData: Uint8Array;
  declare dataLocation: TensorProto_DataLocation;
  constructor(fields: Pick<Fields<typeof TensorProtoSchema>, 'name' | 'dataType' | 'dims' | 'rawData'>) {
    this.dims = fields.dims ?? [];
    if (fields.dataType !== undefined) this.dataType = fields.dataType;
    if (fields.name !== undefined) this.name = fields.name;
    if (fields.rawData !== undefined) this.rawData = fields.rawData;
  }
}

/** A NodeProto message: the builder's create(NodeProtoSchema, fields) for name, opType, domain and the lists. */
export function newNode(fields: Fields<typeof NodeProtoSchema>): NodeProto {
  linkDefaults();
  return new BuiltNode(fields);
}

/** An AttributeProto message of name, type, one of f, i, s, t, or the lists floats, ints, strings. */
export function newAttribute(fields: Fields<typeof AttributeProtoSchema>): AttributeProto {
  linkDefaults();
  return new BuiltAttribute(fields);
}

/** A TensorProto message of name, dataType, dims and rawData. */
export function newTensor(fields: Pick<Fields<typeof TensorProtoSchema>, 'name' | 'dataType' | 'dims' | 'rawData'>): TensorProto {
  linkDefaults();
  return new BuiltTensor(fields);
}

/** ONNX TensorProto.DataType: every element type of the schema (float8, int4, ... included). */
export const DataType = TensorProto_DataType;

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);
const INTEGER_TYPES = new Set<number>([DataType.UINT8, DataType.INT8, DataType.UINT16, DataType.INT16, DataType.INT32, DataType.INT64, DataType.UINT32, DataType.UINT64]);

/** Gradients flow only through floating-point tensors. */
export function isFloatType(dtype: number | undefined): boolean {
  return dtype !== undefined && FLOAT_TYPES.has(dtype);
}

export function isIntegerType(dtype: number | undefined): boolean {
  return dtype !== undefined && INTEGER_TYPES.has(dtype);
}

const TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
  24: 'float8e8m0',
  25: 'uint2',
  26: 'int2',
  27: 'float6e2m3',
  28: 'float6e3m2',
};

export function typeName(dtype: number | undefined): string {
  return dtype === undefined ? 'unknown' : (TYPE_NAMES[dtype] ?? `type ${dtype}`);
}

/** Element types by their common names, for callers that declare inputs. */
export type ElementType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';

const TYPE_BY_NAME: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
};

export function dataTypeOf(type: ElementType | number): number {
  if (typeof type === 'number') return type;
  const dtype = TYPE_BY_NAME[type];
  if (dtype === undefined) throw new TypeError(`Unknown element type '${type}'.`);
  return dtype;
}

function float16Bits(value: number): number {
  const bits = new Uint32Array(Float32Array.of(value).buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const biased = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (biased === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const exponent = biased - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  // Round to nearest even on the dropped bits; a carry into the exponent field is still correct.
  const round = (full: number, shift: number) => {
    const kept = full >>> shift;
    const rest = full - kept * 2 ** shift;
    const half = 2 ** (shift - 1);
    return kept + (rest > half || (rest === half && kept & 1) ? 1 : 0);
  };
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    return sign | round(mantissa | 0x800000, 14 - exponent);
  }
  return sign | ((exponent << 10) + round(mantissa, 13));
}

/** A TensorProto holding `values` (row-major) as `dtype`, stored as raw little-endian bytes. */
export function makeTensor(name: string, dtype: number, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const count = values.length;
  let raw: Uint8Array;
  switch (dtype) {
    case DataType.FLOAT:
      raw = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case DataType.DOUBLE:
      raw = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case DataType.FLOAT16: {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = float16Bits(values[i]!);
      raw = new Uint8Array(bits.buffer);
      break;
    }
    case DataType.BFLOAT16: {
      const f32 = new Uint32Array(Float32Array.from(values).buffer);
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = f32[i]! >>> 16;
      raw = new Uint8Array(bits.buffer);
      break;
    }
    case DataType.INT64: {
      const ints = new BigInt64Array(count);
      for (let i = 0; i < count; i++) ints[i] = BigInt(Math.trunc(values[i]!));
      raw = new Uint8Array(ints.buffer);
      break;
    }
    case DataType.INT32:
      raw = new Uint8Array(Int32Array.from(values).buffer);
      break;
    case DataType.BOOL:
    case DataType.UINT8:
      raw = Uint8Array.from(values, (v) => (dtype === DataType.BOOL ? (v ? 1 : 0) : v));
      break;
    case DataType.INT8:
      raw = new Uint8Array(Int8Array.from(values).buffer);
      break;
    default:
      throw new TypeError(`Cannot create a constant of type ${typeName(dtype)}.`);
  }
  return newTensor({ name, dataType: dtype, dims: dims.map((d) => BigInt(d)), rawData: raw });
}

/**
 * The numeric contents of a tensor, or undefined when it holds more than `limit` elements or is not
 * a numeric type. Used for small constants (shapes, axes, pads), never for weights.
 */
export function readTensorValues(tensor: TensorProto, limit = 64): number[] | undefined {
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > limit) return undefined;
  const dtype = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      switch (dtype) {
        case DataType.INT64:
          out.push(Number(view.getBigInt64(8 * i, true)));
          break;
        case DataType.UINT64:
          out.push(Number(view.getBigUint64(8 * i, true)));
          break;
        case DataType.INT32:
          out.push(view.getInt32(4 * i, true));
          break;
        case DataType.UINT32:
          out.push(view.getUint32(4 * i, true));
          break;
        case DataType.INT16:
          out.push(view.getInt16(2 * i, true));
          break;
        case DataType.UINT16:
          out.push(view.getUint16(2 * i, true));
          break;
        case DataType.INT8:
          out.push(view.getInt8(i));
          break;
        case DataType.UINT8:
        case DataType.BOOL:
          out.push(view.getUint8(i));
          break;
        case DataType.FLOAT:
          out.push(view.getFloat32(4 * i, true));
          break;
        case DataType.DOUBLE:
          out.push(view.getFloat64(8 * i, true));
          break;
        default:
          return undefined;
      }
    }
    return out;
  }
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) return undefined;
  let source: ArrayLike<Int64Like> | undefined;
  switch (dtype) {
    case DataType.INT64:
      source = tensor.int64Data ?? undefined;
      break;
    case DataType.UINT64:
    case DataType.UINT32:
      source = tensor.uint64Data ?? undefined;
      break;
    case DataType.FLOAT:
      source = tensor.floatData ?? undefined;
      break;
    case DataType.DOUBLE:
      source = tensor.doubleData ?? undefined;
      break;
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.UINT8:
    case DataType.BOOL:
      source = tensor.int32Data ?? undefined;
      break;
    default:
      return undefined;
  }
  if (!source || source.length !== count) return count === 0 ? [] : undefined;
  return Array.from(source, toNumber);
}
