import { readFileSync } from 'node:fs';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGradients } from './gradients.js';
import { makeNode, makeValueInfo } from './messages.js';
import { ModelGraph } from './model-graph.js';
import {
  AttributeProtoSchema,
  AttributeType,
  DataLocation,
  DataType,
  type ModelProto,
  ModelProtoSchema,
  NodeProtoSchema,
  newAttribute,
  newNode,
  newTensor,
  type TensorProto,
  TensorProtoSchema,
  typeName,
} from './proto.js';

// tools/make-onnx-newer-fields-fixture.py: INT4 and FLOAT8E4M3FN initializers, a blocked DequantizeLinear
// (opset 21), external data, a TYPE_PROTO attribute and metadata_props (IR 10), none of them in ONNX 1.10.
const FIXTURES = new URL('../test/fixtures/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('newer-fields.onnx', FIXTURES)));
const externalData = [{ path: 'newer-fields.bin', data: new Uint8Array(readFileSync(new URL('newer-fields.bin', FIXTURES))) }];

const initializer = (model: ModelProto, name: string): TensorProto => model.graph!.initializer.find((t) => t.name === name)!;
const props = (entries: readonly { key: string; value: string }[]) => Object.fromEntries(entries.map((e) => [e.key, e.value]));

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>, outputs: string[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, externalData });
  const result = await session.run(feeds, outputs);
  await session.release();
  return Object.fromEntries(outputs.map((name) => [name, result[name]!.data as Float32Array]));
}

describe('the ONNX messages (onnx-ml.proto of the current ONNX)', () => {
  it('decode what ONNX added after 1.10: int4 and float8 tensors, block_size, external data, TYPE_PROTO attributes, metadata', () => {
    const model = fromBinary(ModelProtoSchema, bytes);
    expect(model.irVersion).toBe(10n);
    expect(model.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 21n]]);
    expect(typeName(initializer(model, 'w_int4').dataType)).toBe('int4');
    // Sixteen 4-bit values packed two an int32_data entry, the first in the low nibble: -8 (0x8) then -3 (0xd).
    expect(initializer(model, 'w_int4').int32Data).toHaveLength(8);
    expect(initializer(model, 'w_int4').int32Data[0]).toBe(0xd8);
    expect(initializer(model, 'b_f8').dataType).toBe(DataType.FLOAT8E4M3FN);
    // 1.5, -0.25, 3 and -448 (the largest finite e4m3fn) as float8 bits.
    expect(initializer(model, 'b_f8').int32Data).toEqual([0x3c, 0xa8, 0x44, 0xfe]);
    const ext = initializer(model, 'ext');
    expect(ext.dataLocation).toBe(DataLocation.EXTERNAL);
    expect(props(ext.externalData)).toEqual({ location: 'newer-fields.bin', offset: '0', length: '16' });
    expect(props(ext.metadataProps)).toEqual({ origin: 'fixture' });
    const dq = model.graph!.node.find((n) => n.name === 'dq_w')!;
    expect(dq.attribute.find((a) => a.name === 'block_size')?.i).toBe(2n);
    const type = model.graph!.node.find((n) => n.opType === 'Optional')!.attribute[0]!;
    expect(type.type).toBe(AttributeType.TYPE_PROTO);
    expect(type.tp?.value.case).toBe('tensorType');
    expect(props(model.metadataProps)).toEqual({ license: 'Apache-2.0' });
    expect(props(model.graph!.metadataProps)).toEqual({ graph_note: 'kept' });
    expect(props(model.graph!.node.find((n) => n.name === 'matmul')!.metadataProps)).toEqual({ layer: 'dense' });
  });

  it('encode a decoded model to the bytes onnx (Python) wrote, and ModelGraph.from keeps every field', () => {
    expect(toBinary(ModelProtoSchema, fromBinary(ModelProtoSchema, bytes))).toEqual(bytes);
    const reopened = ModelGraph.from(ModelGraph.decode(bytes).original);
    expect(reopened.toBytes()).toEqual(bytes);
    expect(reopened.info('w_int4')).toEqual({ dtype: DataType.INT4, shape: [4, 4] });
  });

  it('a gradient graph appended by ModelGraph keeps them, and ONNX Runtime runs it with the external data', async () => {
    const built = addGradients(bytes, { of: 'y', wrt: ['x'], seed: 'dy' });
    const model = fromBinary(ModelProtoSchema, built.model);
    const original = fromBinary(ModelProtoSchema, bytes);
    for (const name of ['w_int4', 'b_f8', 'ext']) expect(initializer(model, name)).toEqual(initializer(original, name));
    expect(model.graph!.node.slice(0, original.graph!.node.length)).toEqual(original.graph!.node);
    expect(props(model.graph!.metadataProps)).toEqual({ graph_note: 'kept' });

    // y = x W + b + ext, so dy/dx for a seed dy is dy W^T: with dy one-hot on column j, row j of W.
    const x = new ort.Tensor('float32', Float32Array.from([1, -2, 0.5, 3]), [1, 4]);
    const { y: plain } = await run(bytes, { x }, ['y']);
    const columns: Float32Array[] = [];
    for (let j = 0; j < 4; j++) {
      const dy = new ort.Tensor(
        'float32',
        Float32Array.from({ length: 4 }, (_, k) => (k === j ? 1 : 0)),
        [1, 4],
      );
      const out = await run(built.model, { x, dy }, ['y', built.gradients.x!]);
      expect(out.y).toEqual(plain);
      columns.push(out[built.gradients.x!]!);
    }
    // x W from the gradient's W equals what ONNX Runtime computed, less the bias terms b + ext.
    const zero = new ort.Tensor('float32', new Float32Array(4), [1, 4]);
    const { y: bias } = await run(bytes, { x: zero }, ['y']);
    const xw = columns.map((w) => w.reduce((sum, v, i) => sum + v * (x.data as Float32Array)[i]!, 0));
    expect(xw.map((v, j) => v + bias![j]!)).toEqual(Array.from(plain!, (v) => expect.closeTo(v, 5)));
  });

  it('make nodes and value infos that a model rebuilt from graph.original can hold', async () => {
    const graph = ModelGraph.decode(bytes);
    const original = graph.original;
    const doubled = makeNode('Add', ['y', 'y'], ['doubled'], undefined, { name: 'double' });
    const edited: ModelProto = {
      ...original,
      graph: { ...original.graph!, node: [...original.graph!.node, doubled], output: [...original.graph!.output, makeValueInfo('doubled', DataType.FLOAT, ['batch', 4])] },
    };
    const reopened = ModelGraph.from(edited);
    expect(reopened.outputs).toEqual(['y', 'doubled']);
    expect(reopened.info('doubled')).toEqual({ dtype: DataType.FLOAT, shape: ['batch', 4] });
    const x = new ort.Tensor('float32', Float32Array.from([1, -2, 0.5, 3]), [1, 4]);
    const out = await run(reopened.toBytes(), { x }, ['y', 'doubled']);
    expect(out.doubled).toEqual(out.y!.map((v) => 2 * v));
    // An object literal where a message belongs is refused with what to do.
    expect(() => ModelGraph.from({ ...original, graph: { ...original.graph!, node: [{ opType: 'Relu' } as never] } })).toThrowError(/create\(\)/);
  });

  it('the builder makes the messages create() makes: the same own fields over the same defaults', () => {
    const same = <T extends object>(built: T, made: T) => {
      expect(built).toEqual(made);
      expect(Object.keys(built).sort()).toEqual(Object.keys(made).sort());
      expect(Object.getPrototypeOf(Object.getPrototypeOf(built))).toBe(Object.getPrototypeOf(made));
    };
    const attribute = { name: 'axes', type: AttributeType.INTS, ints: [0n, -1n] };
    same(newAttribute(attribute), create(AttributeProtoSchema, attribute));
    same(newAttribute({ name: 'alpha', type: AttributeType.FLOAT, f: 0.5 }), create(AttributeProtoSchema, { name: 'alpha', type: AttributeType.FLOAT, f: 0.5 }));
    const node = { opType: 'ReduceSum', input: ['x'], output: ['y'], name: 'sum', attribute: [newAttribute(attribute)] };
    same(newNode(node), create(NodeProtoSchema, node));
    same(newNode({ opType: 'Relu', name: undefined, domain: 'com.microsoft' }), create(NodeProtoSchema, { opType: 'Relu', domain: 'com.microsoft' }));
    const tensor = { name: 'c', dataType: DataType.INT64, dims: [2n], rawData: new Uint8Array(16) };
    same(newTensor(tensor), create(TensorProtoSchema, tensor));
    // Unset fields read the schema's defaults; lists are each message's own.
    expect([newNode({ opType: 'Relu' }).domain, newAttribute({ name: 'a' }).f, newTensor({ name: 't' }).dataLocation]).toEqual(['', 0, DataLocation.DEFAULT]);
    const first = newNode({ opType: 'Relu' });
    first.input.push('x');
    expect(newNode({ opType: 'Relu' }).input).toEqual([]);
    expect(toBinary(TensorProtoSchema, newTensor(tensor))).toEqual(toBinary(TensorProtoSchema, create(TensorProtoSchema, tensor)));
    expect(toBinary(NodeProtoSchema, newNode(node))).toEqual(toBinary(NodeProtoSchema, create(NodeProtoSchema, node)));
  });
});
