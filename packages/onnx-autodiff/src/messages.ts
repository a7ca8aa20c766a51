import { create } from '@bufbuild/protobuf';
import { type Attributes, makeAttributes } from './attributes.js';
import { type NodeProto, NodeProtoSchema, type ValueInfoProto, ValueInfoProtoSchema } from './proto.js';
import type { Dim } from './tensor-info.js';

// New nodes and value infos for graphs edited outside ModelGraph's appending API (a model rebuilt
// from `graph.original`): messages written back to bytes must be made with create(), not literals.

/** A NodeProto; `attributes` are encoded as ModelGraph.addNode encodes them. */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes?: Attributes,
  options: { readonly name?: string; readonly domain?: string } = {},
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: [...inputs],
    output: [...outputs],
    attribute: makeAttributes(attributes),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.domain ? { domain: options.domain } : {}),
  });
}

/** A graph input or output of a tensor type: dims are numbers, symbols ('batch') or null (unnamed). */
export function makeValueInfo(name: string, dtype: number, shape: readonly Dim[] | undefined): ValueInfoProto {
  const dim = shape?.map((d) => ({
    value: typeof d === 'number' ? { case: 'dimValue' as const, value: BigInt(d) } : typeof d === 'string' ? { case: 'dimParam' as const, value: d } : { case: undefined },
  }));
  return create(ValueInfoProtoSchema, {
    name,
    type: { value: { case: 'tensorType', value: { elemType: dtype, ...(dim ? { shape: { dim } } : {}) } } },
  });
}
