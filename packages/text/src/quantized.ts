import { GradientsUnavailableError } from '@salience/core';
import { ModelGraph } from '@salience/onnx-autodiff';

/** Ops that quantized exports use (onnxruntime's quantize_dynamic / quantize_static, Optimum, transformers.js' q8/int8/uint8/q4). */
export const QUANTIZED_OPS: readonly string[] = [
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'QuantizeLinear',
  'DequantizeLinear',
  'QLinearMatMul',
  'QLinearConv',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
  'MatMulNBits',
  'QAttention',
  'QGemm',
  'QOrderedMatMul',
  'GatherBlockQuantized',
];

/** A quantized op of the graph: its type and the first node that runs it. */
export interface QuantizedOp {
  readonly op: string;
  readonly node: string;
  readonly count: number;
}

/** The quantized ops in an ONNX model, in the order they first appear (empty for a float model). */
export function quantizedOps(bytes: Uint8Array): QuantizedOp[] {
  const graph = ModelGraph.decode(bytes);
  const found = new Map<string, { node: string; count: number }>();
  for (const node of graph.nodes) {
    const op = String(node.opType ?? '');
    if (!QUANTIZED_OPS.includes(op)) continue;
    const seen = found.get(op);
    if (seen) seen.count++;
    else found.set(op, { node: String(node.name || (node.output ?? [])[0] || op), count: 1 });
  }
  return [...found].map(([op, { node, count }]) => ({ op, node, count }));
}

/**
 * A gradient method was asked of a quantized model. Integer ops (DynamicQuantizeLinear,
 * MatMulInteger...) have no gradient, so salience stops before any work; forward-only methods
 * (token occlusion) run on the quantized model as it is.
 */
export class QuantizedModelError extends GradientsUnavailableError {
  readonly ops: readonly QuantizedOp[];

  constructor(ops: readonly QuantizedOp[], file: string | undefined) {
    const first = ops[0]!;
    const list = ops.map((o) => `${o.op} (${o.count}x)`).join(', ');
    super(
      `${file ? `'${file}'` : 'This model'} is quantized (${list}): integer ops such as ${first.op} (node '${first.node}') have no gradient, so gradient methods cannot run on it. ` +
        'Use the float model for gradient, gradient x embedding and integrated gradients (onnx/model.onnx of a transformers.js folder: loadTextClassifier without `quantized`, or `salience explain --model` on that file or its folder), ' +
        'or a forward-only method (token occlusion), which runs on the quantized model; in code, loadTextClassifier(..., { dequantize: true }) explains a float copy of it made in memory instead.',
      { op: first.op, node: first.node },
    );
    this.name = 'QuantizedModelError';
    this.ops = ops;
  }
}
