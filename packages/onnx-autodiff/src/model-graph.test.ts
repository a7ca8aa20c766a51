import { create, fromBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test/fixtures.js';
import { createSession, toTensors } from '../test/gradient-check.js';
import { ModelFormatError } from './errors.js';
import { ModelGraph } from './model-graph.js';
import { ModelProtoSchema, makeTensor, readTensorValues, TensorProtoSchema } from './proto.js';

describe('ModelGraph', () => {
  it('infers shapes through a PyTorch export (smallcnn), keeping the symbolic batch', () => {
    const g = ModelGraph.decode(loadFixture('smallcnn').model);
    expect(g.opset).toBe(17);
    expect(g.info('/c1/Conv_output_0').shape).toEqual(['batch', 8, 28, 28]);
    expect(g.info('/MaxPool_1_output_0').shape).toEqual(['batch', 16, 7, 7]);
    expect(g.info('/ReduceMean_output_0').shape).toEqual(['batch', 16]);
    expect(g.info('logits')).toMatchObject({ dtype: 1, shape: ['batch', 10] });
  });

  it('infers colorcnn and tinytext shapes (stride 2, pools, flatten, gather, transpose)', () => {
    const color = ModelGraph.decode(loadFixture('colorcnn').model);
    expect(color.info('/b1/Conv_output_0').shape).toEqual(['batch', 8, 16, 16]);
    expect(color.info('/AveragePool_output_0').shape).toEqual(['batch', 16, 4, 4]);
    expect(color.info('/Flatten_output_0').shape).toEqual(['batch', 256]);
    const text = ModelGraph.decode(loadFixture('tinytext').model);
    expect(text.info('/emb/Gather_output_0').shape).toEqual(['batch', 12, 16]);
    expect(text.info('/Transpose_output_0').shape).toEqual(['batch', 16, 12]);
  });

  it('folds integer shape arithmetic with known results into constants', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['n', 3, 4] }] });
    const dims = g.add('Shape', ['x']);
    const tail = g.add('Slice', [dims, g.int64s([1]), g.int64s([3]), g.int64s([0])]);
    const product = g.add('Mul', [g.add('Gather', [tail, g.int64s([0])], { axis: 0 }), g.int64s([4])]);
    expect(g.isInitializer(tail)).toBe(true);
    expect(g.isInitializer(product)).toBe(true);
    expect(readTensorValues(g.initializer(product)!)).toEqual([12]);
    // The symbolic batch cannot be folded: Shape stays a node.
    expect(g.isInitializer(dims)).toBe(false);
    expect(g.info(dims).value).toEqual(['n', 3, 4]);
  });

  it('splices appended parts into the graph: the original bytes are kept and protobuf-es reads the result', async () => {
    const bytes = loadFixture('tabular').model;
    const g = ModelGraph.decode(bytes);
    const doubled = g.add('Mul', ['logits', g.scalar(2)], undefined, { output: 'doubled' });
    g.addOutput(doubled);
    const out = g.toBytes();
    const decoded = fromBinary(ModelProtoSchema, out);
    expect(decoded.graph?.node?.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm', 'Mul']);
    expect(decoded.graph?.output?.map((o) => o.name)).toEqual(['logits', 'doubled']);
    expect(decoded.graph?.initializer?.length).toBe(5);
    // Opening the result again (e.g. to add gradients after an objective) sees everything.
    expect(ModelGraph.decode(out).outputs).toEqual(['logits', 'doubled']);
    const session = await createSession(out);
    const result = await session.run(toTensors({ input: { data: new Float32Array(8).fill(0.5), shape: [1, 8] } }));
    const logits = result.logits!.data as Float32Array;
    expect(Array.from(result.doubled!.data as Float32Array)).toEqual(Array.from(logits, (v) => v * 2));
  });

  it('gives unique names and refuses inputs that clash', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [1] }] });
    expect(g.uniqueName('x')).toBe('x_1');
    expect(g.uniqueName('fresh')).toBe('fresh');
    const a = g.add('Relu', ['x'], undefined, { output: 'r' });
    const b = g.add('Relu', ['x'], undefined, { output: 'r' });
    expect([a, b]).toEqual(['r', 'r_1']);
    expect(() => g.addInput('x', 'float32', [1])).toThrowError(ModelFormatError);
  });

  it('opens bytes, protos and graphs, and rejects what is not a model', () => {
    const bytes = loadFixture('tabular').model;
    expect(ModelGraph.from(fromBinary(ModelProtoSchema, bytes)).outputs).toEqual(['logits']);
    expect(() => ModelGraph.decode(new Uint8Array([0xff, 0xff, 0xff]))).toThrowError(ModelFormatError);
    expect(() => ModelGraph.from({} as never)).toThrowError(ModelFormatError);
  });
});

describe('tensor constants', () => {
  it('encodes float16 with round-to-nearest-even, and reads back ints and floats', () => {
    const half = makeTensor('h', 10, [6], [1, -2, 0.1, 65504, 1e-8, 5.96e-8]);
    expect(Array.from(new Uint16Array(half.rawData!.slice().buffer))).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x0000, 0x0001]);
    expect(readTensorValues(makeTensor('i', 7, [3], [-1, 0, 2 ** 40]))).toEqual([-1, 0, 2 ** 40]);
    expect(readTensorValues(makeTensor('f', 1, [2], [0.5, -3]))).toEqual([0.5, -3]);
    expect(readTensorValues(create(TensorProtoSchema, { dataType: 7, dims: [2n], int64Data: [3n, -4n] }))).toEqual([3, -4]);
  });
});
