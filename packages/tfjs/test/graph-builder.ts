import * as tf from '@tensorflow/tfjs';

/**
 * Builds a tf.GraphModel in memory from hand-written TensorFlow GraphDef nodes, the way the
 * converter's model.json stores them.
 */
type Attr = Record<string, unknown>;

interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Attr;
}

const dims = (shape: readonly number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const float = { type: 'DT_FLOAT' };

export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; values: ArrayLike<number> }[] = [];

  placeholder(name: string, shape: readonly number[], dtype: 'float32' | 'int32' = 'float32'): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' }, shape: { shape: dims(shape) } } });
    return name;
  }

  constant(name: string, shape: number[], values: ArrayLike<number>, dtype: 'float32' | 'int32' = 'float32'): string {
    const type = dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type }, value: { tensor: { dtype: type, tensorShape: dims(shape) } } } });
    this.weights.push({ name, shape, dtype, values });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Attr = {}): string {
    this.nodes.push({ name, op, input, attr: { T: float, ...attr } });
    return name;
  }

  matMul(name: string, a: string, b: string): string {
    return this.op(name, 'MatMul', [a, b], { transpose_a: { b: false }, transpose_b: { b: false } });
  }

  async build(): Promise<tf.GraphModel> {
    const bytes: number[][] = [];
    for (const w of this.weights) {
      const typed = w.dtype === 'int32' ? Int32Array.from(w.values) : Float32Array.from(w.values);
      bytes.push(Array.from(new Uint8Array(typed.buffer)));
    }
    const weightData = Uint8Array.from(bytes.flat()).buffer;
    return tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: { node: this.nodes, versions: { producer: 1 } },
        weightSpecs: this.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
        weightData,
      }),
    );
  }
}

export const convAttrs = (strides: number[], padding: 'SAME' | 'VALID') => ({
  strides: { list: { i: strides.map(String) } },
  padding: { s: btoa(padding) },
  data_format: { s: btoa('NHWC') },
  dilations: { list: { i: ['1', '1', '1', '1'] } },
});
