import { create } from '@bufbuild/protobuf';
import { ModelGraph, type ModelProto, makeNode, type NodeProto, type TensorProto, TensorProtoSchema } from '@salience/onnx-autodiff';
import { QuantizedModelError, type QuantizedOp, quantizedOps } from './quantized.js';

/** What `dequantize` rewrote. */
export interface DequantizedModel {
  /** The float copy, as ONNX bytes. */
  readonly bytes: Uint8Array;
  /** `DynamicQuantizeLinear → MatMulInteger → Cast → Mul` chains made `MatMul(x, W)` with float weights. */
  readonly matMuls: number;
  /** Quantized lookups (`Gather` of integer weights → `DequantizeLinear`) made float lookups. */
  readonly gathers: number;
  /** `DequantizeLinear` of a constant made a float constant. */
  readonly constants: number;
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;

function dimsOf(t: TensorProto): number[] {
  return (t.dims ?? []).map(Number);
}

/** The values of an integer or float initializer. */
function valuesOf(t: TensorProto): Float64Array {
  const count = dimsOf(t).reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? new Uint8Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) : undefined;
  const out = new Float64Array(count);
  if (t.dataType === FLOAT) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    } else out.set(t.floatData ?? []);
  } else if (t.dataType === UINT8 || t.dataType === INT8) {
    if (raw) for (let i = 0; i < count; i++) out[i] = (t.dataType === INT8 ? (raw[i]! << 24) >> 24 : raw[i])!;
    else out.set(t.int32Data ?? []);
  } else {
    throw new Error(`unsupported quantized tensor type ${t.dataType} ('${t.name}')`);
  }
  return out;
}

/** (q - zero point) * scale, with scale and zero point scalar or one per index along `axis`. */
function dequantized(name: string, q: TensorProto, scale: TensorProto, zeroPoint: TensorProto | undefined, axis: number): TensorProto {
  const dims = dimsOf(q);
  const values = valuesOf(q);
  const scales = valuesOf(scale);
  const zeros = zeroPoint ? valuesOf(zeroPoint) : new Float64Array(1);
  const ax = axis < 0 ? axis + dims.length : axis;
  const inner = dims.slice(ax + 1).reduce((a, b) => a * b, 1);
  const along = dims[ax] ?? 1;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const k = scales.length === 1 ? 0 : Math.floor(i / inner) % along;
    out[i] = (values[i]! - zeros[zeros.length === 1 ? 0 : k]!) * scales[k]!;
  }
  return create(TensorProtoSchema, { name, dataType: FLOAT, dims: dims.map((d) => BigInt(d)), rawData: new Uint8Array(out.buffer) });
}

/**
 * A float copy of a dynamically quantized model (onnxruntime's `quantize_dynamic`, what
 * transformers.js ships as model_quantized.onnx), made in memory: every quantized weight becomes
 * (q - zero point) * scale, and its integer chain the float op it replaced. The activations are no
 * longer quantized, so the copy computes what the quantized weights compute in float: close to the
 * quantized model, not equal to it. Throws a QuantizedModelError when quantized ops are left that
 * it cannot rewrite.
 */
export function dequantize(bytes: Uint8Array, file?: string): DequantizedModel {
  const proto = ModelGraph.decode(bytes).original as ModelProto;
  const graph = proto.graph as NonNullable<ModelProto['graph']>;
  const nodes = [...(graph.node ?? [])];
  const inits = new Map((graph.initializer ?? []).map((t) => [String(t.name), t]));
  const producer = new Map<string, NodeProto>();
  const readers = new Map<string, NodeProto[]>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  const only = (name: string, op: string) => {
    const r = readers.get(name) ?? [];
    return r.length === 1 && r[0]!.opType === op ? r[0] : undefined;
  };
  const removed = new Set<NodeProto>();
  const replacement = new Map<NodeProto, NodeProto>(); // node -> what takes its place in the order
  const added: TensorProto[] = [];
  let matMuls = 0;
  let gathers = 0;
  let constants = 0;

  for (const mm of nodes.filter((n) => n.opType === 'MatMulInteger')) {
    const [aq, bq, , bzp] = (mm.input ?? []) as [string, string, string, string];
    const quantizer = producer.get(aq);
    const weight = inits.get(bq);
    const cast = only(mm.output?.[0] ?? '', 'Cast');
    const mul = cast && only(cast.output?.[0] ?? '', 'Mul');
    if (quantizer?.opType !== 'DynamicQuantizeLinear' || !weight || !cast || !mul) continue;
    const scaleName = (mul.input ?? []).find((i) => i !== cast.output?.[0]);
    const scales = scaleName ? producer.get(scaleName) : undefined;
    const weightScale = scales?.opType === 'Mul' ? (scales.input ?? []).map((i) => inits.get(i)).find((t) => t !== undefined) : undefined;
    if (!weightScale) continue;
    const floatWeight = dequantized(`${bq}_dequantized`, weight, weightScale, bzp ? inits.get(bzp) : undefined, -1);
    added.push(floatWeight);
    replacement.set(mul, makeNode('MatMul', [quantizer.input?.[0] ?? '', String(floatWeight.name)], [...(mul.output ?? [])], undefined, { name: `${mm.name || bq}_dequantized` }));
    removed.add(mm).add(cast);
    matMuls++;
  }

  for (const dq of nodes.filter((n) => n.opType === 'DequantizeLinear')) {
    const [source, scaleName, zeroName] = (dq.input ?? []) as [string, string, string];
    const scale = inits.get(scaleName);
    const zero = zeroName ? inits.get(zeroName) : undefined;
    const axisAttr = (dq.attribute ?? []).find((a) => a.name === 'axis');
    const axis = axisAttr ? Number(axisAttr.i) : 1;
    if (!scale) continue;
    const lookup = producer.get(source);
    if (lookup?.opType === 'Gather' && inits.has(lookup.input?.[0] ?? '') && only(source, 'DequantizeLinear') && valuesOf(scale).length === 1) {
      const table = dequantized(`${lookup.input?.[0]}_dequantized`, inits.get(lookup.input?.[0] ?? '') as TensorProto, scale, zero, axis);
      added.push(table);
      replacement.set(lookup, { ...lookup, input: [String(table.name), ...(lookup.input ?? []).slice(1)], output: [...(dq.output ?? [])] });
      removed.add(dq);
      gathers++;
    } else if (inits.has(source)) {
      added.push(dequantized(dq.output?.[0] ?? '', inits.get(source) as TensorProto, scale, zero, axis));
      removed.add(dq);
      constants++;
    }
  }

  let rewritten: NodeProto[] = [];
  for (const n of nodes) {
    const r = replacement.get(n);
    if (r) rewritten.push(r);
    else if (!removed.has(n)) rewritten.push(n);
  }
  // What only fed the removed chains (DynamicQuantizeLinear, the scale products) is dead now.
  const outputs = new Set((graph.output ?? []).map((o) => String(o.name)));
  for (let changed = true; changed; ) {
    const read = new Set(rewritten.flatMap((n) => n.input ?? []));
    const kept = rewritten.filter((n) => (n.output ?? []).some((o) => read.has(o) || outputs.has(o)));
    changed = kept.length !== rewritten.length;
    rewritten = kept;
  }
  const read = new Set(rewritten.flatMap((n) => n.input ?? []));
  graph.node = rewritten;
  graph.initializer = [...(graph.initializer ?? []), ...added].filter((t) => read.has(String(t.name)) || outputs.has(String(t.name)));
  const out = ModelGraph.from(proto).toBytes();
  const left: QuantizedOp[] = quantizedOps(out);
  if (left.length > 0) throw new QuantizedModelError(left, file);
  return { bytes: out, matMuls, gathers, constants };
}
