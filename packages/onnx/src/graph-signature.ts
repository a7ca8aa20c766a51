import { type Layout, OptionError } from '@salience/core';
import type { Dim, ModelGraph } from '@salience/onnx-autodiff';
import type { FedType } from './ort-types.js';

/** ONNX TensorProto element types that the adapter meets. */
export const ElementType = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

const FLOAT_TYPES: ReadonlySet<number> = new Set([ElementType.FLOAT, ElementType.FLOAT16, ElementType.DOUBLE, ElementType.BFLOAT16]);

export function isFloatElement(dtype: number | undefined): boolean {
  return dtype !== undefined && FLOAT_TYPES.has(dtype);
}

/** The input and output that a salience model reads and writes, from the graph. */
export interface GraphSignature {
  readonly input: string;
  readonly inputType: FedType;
  /** Declared dims of the input: numbers, symbols ('batch') or null. */
  readonly inputDims: readonly Dim[];
  /** For `Model.inputShape`: null for the batch and for every symbolic dimension. */
  readonly inputShape: readonly (number | null)[];
  /** A batch size fixed by the graph (e.g. exported with batch 1): requests are run in chunks of it. */
  readonly fixedBatch: number | undefined;
  readonly output: string;
  /** Classes, when the graph declares them; otherwise learnt from the first run. */
  readonly classes: number | undefined;
  readonly layout: Layout;
}

const list = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

function pickName(kind: 'input' | 'output', asked: string | undefined, available: readonly string[]): string {
  if (asked !== undefined) {
    if (available.includes(asked)) return asked;
    throw new OptionError(`The model has no graph ${kind} '${asked}'; its ${kind}s are ${list(available)}.`);
  }
  if (available.length === 1) return available[0]!;
  if (available.length === 0) throw new OptionError(`The model's graph has no ${kind}.`);
  throw new OptionError(`The model has ${available.length} ${kind}s (${list(available)}); name the one to use with the '${kind}' option.`);
}

function fedTypeOf(dtype: number | undefined, input: string): FedType {
  if (dtype === ElementType.FLOAT) return 'float32';
  if (dtype === ElementType.INT64) return 'int64';
  if (dtype === ElementType.INT32) return 'int32';
  throw new OptionError(
    `Input '${input}' has ONNX element type ${dtype ?? 'unknown'}; salience feeds float32 images or features, or int64/int32 token ids. Export the model with a float32 (or integer id) input.`,
  );
}

function resolveLayout(asked: Layout | undefined, type: FedType, rank: number, input: string): Layout {
  if (type !== 'float32') {
    if (asked !== undefined && asked !== 'tokens') throw new OptionError(`Input '${input}' holds integers (token ids): its layout is 'tokens', not '${asked}'.`);
    if (rank !== 2) throw new OptionError(`Token ids must be [batch, tokens]; input '${input}' has rank ${rank}.`);
    return 'tokens';
  }
  if (asked === 'tokens') throw new OptionError(`Input '${input}' holds floats; layout 'tokens' is for integer token ids.`);
  const expected: Record<number, readonly Layout[]> = { 2: ['NC'], 4: ['NCHW', 'NHWC'] };
  const allowed = expected[rank];
  if (!allowed) {
    throw new OptionError(`Input '${input}' has rank ${rank}; salience explains rank-4 images (NCHW or NHWC), rank-2 feature vectors (NC) and token ids [batch, tokens].`);
  }
  if (asked === undefined) return allowed[0]!;
  if (!allowed.includes(asked)) throw new OptionError(`Input '${input}' has rank ${rank}: its layout is ${allowed.join(' or ')}, not '${asked}'.`);
  return asked;
}

/** Reads and checks the input and output names, types and shapes. */
export function readSignature(graph: ModelGraph, options: { input?: string; output?: string; layout?: Layout }): GraphSignature {
  const input = pickName('input', options.input, graph.inputs);
  const output = pickName('output', options.output, graph.outputs);
  const inputInfo = graph.info(input);
  const inputType = fedTypeOf(inputInfo.dtype, input);
  const inputDims = inputInfo.shape;
  if (!inputDims) {
    throw new OptionError(`Input '${input}' has no declared shape; export the model with its input shape (dynamic batch is fine), e.g. [batch, 3, 224, 224].`);
  }
  const layout = resolveLayout(options.layout, inputType, inputDims.length, input);
  const batch = inputDims[0];
  const fixedBatch = typeof batch === 'number' && batch > 0 ? batch : undefined;
  const inputShape = inputDims.map((d, i) => (i === 0 || typeof d !== 'number' ? null : d));

  const outputInfo = graph.info(output);
  if (!isFloatElement(outputInfo.dtype) && outputInfo.dtype !== undefined) {
    throw new OptionError(`Output '${output}' is not a float tensor; name the output that holds the logits with the 'output' option (outputs: ${list(graph.outputs)}).`);
  }
  if (outputInfo.dtype !== undefined && outputInfo.dtype !== ElementType.FLOAT) {
    throw new OptionError(`Output '${output}' is not float32 (ONNX element type ${outputInfo.dtype}); salience reads float32 logits.`);
  }
  const outputDims = outputInfo.shape;
  if (outputDims && outputDims.length !== 2) {
    throw new OptionError(
      `Output '${output}' has rank ${outputDims.length}; salience needs logits of shape [batch, classes]${graph.outputs.length > 1 ? ` (outputs: ${list(graph.outputs)})` : ''}.`,
    );
  }
  const classes = typeof outputDims?.[1] === 'number' ? outputDims[1] : undefined;
  return { input, inputType, inputDims, inputShape, fixedBatch, output, classes, layout };
}
