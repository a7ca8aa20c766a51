import { create } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  type AttributeProtoSchema,
  AttributeType,
  type Fields,
  type NodeProto,
  newAttribute,
  type TensorProto,
  TensorProtoSchema,
  toNumber,
} from './proto.js';

/** Typed reads of a node's attributes, with the schema's defaults supplied by the caller. */
export class NodeAttributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(node: NodeProto) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.name) this.byName.set(attribute.name, attribute);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? toNumber(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map(toNumber) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }

  tensor(name: string): TensorProto | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }
}

/** A value for an attribute of a node that a caller appends. Numbers are ints unless the name is a float attribute. */
export type AttributeValue =
  | number
  | readonly number[]
  | string
  | readonly string[]
  | TensorProto
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly int: number }
  | { readonly ints: readonly number[] };

export type Attributes = Readonly<Record<string, AttributeValue | undefined>>;

// The default-domain attributes of type FLOAT/FLOATS, so that `alpha: 1` is written as the float the schema wants.
const FLOAT_ATTRIBUTES = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'momentum',
  'lambd',
  'bias',
  'spatial_scale',
  'extrapolation_value',
  'cubic_coeff_a',
  'value_float',
  'value_floats',
  'scales',
  'min',
  'max',
  'ratio',
  'threshold',
]);

function isTensor(value: object): value is TensorProto {
  return ('$typeName' in value && value.$typeName === TensorProtoSchema.typeName) || 'dataType' in value || 'rawData' in value || 'dims' in value;
}

/** Encodes plain values as AttributeProtos. */
export function makeAttributes(attributes: Attributes | undefined): AttributeProto[] {
  const out: AttributeProto[] = [];
  if (!attributes) return out;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out.push(makeAttribute(name, value));
  }
  return out;
}

function makeAttribute(name: string, value: AttributeValue): AttributeProto {
  return newAttribute(attributeInit(name, value));
}

function attributeInit(name: string, value: AttributeValue): Fields<typeof AttributeProtoSchema> {
  const floatByName = FLOAT_ATTRIBUTES.has(name);
  if (typeof value === 'number') {
    return floatByName ? { name, type: AttributeType.FLOAT, f: value } : { name, type: AttributeType.INT, i: BigInt(Math.trunc(value)) };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { name, type: AttributeType.STRINGS, strings: value.map((v) => new TextEncoder().encode(v as string)) };
    }
    const numbers = value as readonly number[];
    return floatByName ? { name, type: AttributeType.FLOATS, floats: [...numbers] } : { name, type: AttributeType.INTS, ints: numbers.map((v) => BigInt(Math.trunc(v))) };
  }
  const object = value as object;
  if ('float' in object) return { name, type: AttributeType.FLOAT, f: (value as { float: number }).float };
  if ('floats' in object) return { name, type: AttributeType.FLOATS, floats: [...(value as { floats: number[] }).floats] };
  if ('int' in object) return { name, type: AttributeType.INT, i: BigInt(Math.trunc((value as { int: number }).int)) };
  if ('ints' in object) return { name, type: AttributeType.INTS, ints: (value as { ints: number[] }).ints.map((v) => BigInt(Math.trunc(v))) };
  if (isTensor(object)) return { name, type: AttributeType.TENSOR, t: create(TensorProtoSchema, object) };
  throw new TypeError(`Attribute '${name}' has a value of an unsupported kind.`);
}
