import { NodeAttributes } from './attributes.js';
import { DataType, isFloatType, isIntegerType, type NodeProto, readTensorValues, toNumber } from './proto.js';
import { broadcastValues, concatValues, countOf, gatherValues, numbersOf, pickValues, transposeValues } from './small-values.js';
import { broadcastShapes, type Dim, isKnownNumbers, normalizeAxis, productOf, type TensorInfo } from './tensor-info.js';

/** Known contents are tracked for integer tensors of at most this many elements. */
const VALUE_LIMIT = 64;

type Lookup = (name: string) => TensorInfo | undefined;

interface InferenceInput {
  readonly node: NodeProto;
  readonly attrs: NodeAttributes;
  readonly inputs: readonly (TensorInfo | undefined)[];
  readonly opset: number;
}

type Infer = (input: InferenceInput) => TensorInfo[];

const same: Infer = ({ inputs }) => [{ dtype: inputs[0]?.dtype, shape: inputs[0]?.shape }];

function withValue(dtype: number | undefined, shape: readonly Dim[] | undefined, value: Dim[] | undefined): TensorInfo {
  // Integer and boolean contents fold shape arithmetic; small float ones (e.g. TF-style
  // `ceil(size / stride)` pads computed in float) are tracked for the same reason.
  const tracked = isIntegerType(dtype) || dtype === DataType.BOOL || isFloatType(dtype);
  if (value && value.length <= VALUE_LIMIT && tracked) return { dtype, shape, value };
  return { dtype, shape };
}

/** Elementwise contents: broadcast over any rank when every value is known, else the symbol-aware 1-D form. */
function evaluated(inputs: readonly (TensorInfo | undefined)[], shape: readonly Dim[] | undefined, fn: (...xs: number[]) => number): Dim[] | undefined {
  if (inputs.some((i) => !i)) return undefined;
  return broadcastValues(inputs as TensorInfo[], shape, VALUE_LIMIT, fn) ?? elementwiseValue(inputs, shape, fn);
}

function unary(fn: (x: number) => number): Infer {
  return ({ inputs }) => {
    const x = inputs[0];
    return [withValue(x?.dtype, x?.shape, evaluated([x], x?.shape, fn))];
  };
}

function elementwiseValue(inputs: readonly (TensorInfo | undefined)[], shape: readonly Dim[] | undefined, fn: (...xs: number[]) => number): Dim[] | undefined {
  if (!shape || !isKnownNumbers(shape) || shape.length > 1) return undefined;
  const count = (shape.length === 0 ? 1 : shape[0])!;
  const values = inputs.map((i) => i?.value);
  if (values.some((v) => v === undefined)) return undefined;
  const out: Dim[] = [];
  for (let k = 0; k < count; k++) {
    const xs = values.map((v) => (v!.length === 1 ? v![0] : v![k]));
    if (xs.some((x) => typeof x !== 'number')) {
      // Identities on symbols keep shape arithmetic like `batch * 1` or `batch + 0` known.
      if (fn === mul && xs.length === 2 && (xs[0] === 1 || xs[1] === 1)) out.push((xs[0] === 1 ? xs[1] : xs[0])!);
      else if (fn === add && xs.length === 2 && (xs[0] === 0 || xs[1] === 0)) out.push((xs[0] === 0 ? xs[1] : xs[0])!);
      else out.push(null);
    } else out.push(fn(...(xs as number[])));
  }
  return out;
}

const add = (a: number, b: number) => a + b;

function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const mul = (a: number, b: number) => a * b;

function broadcastAll(inputs: readonly (TensorInfo | undefined)[]): Dim[] | undefined {
  let shape: Dim[] | undefined = [];
  for (const info of inputs) {
    if (!info?.shape) return undefined;
    shape = broadcastShapes(shape, info.shape);
  }
  return shape;
}

function binary(fn?: (a: number, b: number, dtype: number | undefined) => number, outType?: number): Infer {
  return ({ inputs }) => {
    const shape = broadcastAll(inputs.slice(0, 2));
    const dtype = outType ?? inputs[0]?.dtype;
    const inType = inputs[0]?.dtype;
    // Two-argument functions go as they are: elementwiseValue knows add and mul by identity (for symbols).
    const f = fn && (fn.length <= 2 ? (fn as (a: number, b: number) => number) : (a: number, b: number) => fn(a, b, inType));
    return [withValue(dtype, shape, f ? evaluated(inputs.slice(0, 2), shape, f) : undefined)];
  };
}

function variadic(fn?: (a: number, b: number) => number): Infer {
  return ({ inputs }) => {
    const shape = broadcastAll(inputs);
    const value = fn && inputs.length > 0 ? evaluated(inputs, shape, (...xs) => xs.reduce((x, y) => fn(x, y))) : undefined;
    return [withValue(inputs[0]?.dtype, shape, value)];
  };
}

function axesOf(input: InferenceInput, inputIndex: number | undefined): number[] | undefined {
  const fromAttr = input.attrs.ints('axes');
  if (fromAttr) return fromAttr;
  if (inputIndex === undefined) return undefined;
  const v = input.inputs[inputIndex]?.value;
  return v?.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

function reduce(axesInputFrom: number, combine?: (a: number, b: number) => number): Infer {
  return (input) => {
    const x = input.inputs[0];
    const keepdims = input.attrs.int('keepdims', 1) === 1;
    const axesInput = input.opset >= axesInputFrom ? 1 : undefined;
    const hasAxesInput = axesInput !== undefined && input.node.input?.[1];
    let axes = axesOf(input, hasAxesInput ? axesInput : undefined);
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const rank = x.shape.length;
    if (hasAxesInput && axes === undefined) {
      return [{ dtype: x.dtype, shape: keepdims ? x.shape.map(() => null) : undefined }];
    }
    if (!axes || axes.length === 0) {
      if (input.attrs.int('noop_with_empty_axes', 0) === 1) return [{ dtype: x.dtype, shape: x.shape }];
      axes = x.shape.map((_, i) => i);
    }
    const set = new Set(axes.map((a) => normalizeAxis(a, rank)));
    const shape: Dim[] = [];
    x.shape.forEach((d, i) => {
      if (!set.has(i)) shape.push(d);
      else if (keepdims) shape.push(1);
    });
    // Shape arithmetic reduces whole shape vectors (the product of some dims, say): evaluated then.
    const known = numbersOf(x.value);
    const value = combine && known && known.length > 0 && set.size === rank ? [known.reduce((a, b) => combine(a, b))] : undefined;
    return [withValue(x.dtype, shape, value)];
  };
}

function spatialOutput(input: InferenceInput, isPool: boolean): Dim[] | undefined {
  const x = input.inputs[0]?.shape;
  if (!x) return undefined;
  const w = input.inputs[1]?.shape;
  const spatial = x.length - 2;
  const kernel = input.attrs.ints('kernel_shape') ?? (w && isKnownNumbers(w.slice(2)) ? (w.slice(2) as number[]) : undefined);
  if (!kernel) return x.slice(2).map(() => null);
  const strides = input.attrs.ints('strides') ?? kernel.map(() => 1);
  const dilations = input.attrs.ints('dilations') ?? kernel.map(() => 1);
  const pads = input.attrs.ints('pads') ?? new Array(2 * spatial).fill(0);
  const autoPad = input.attrs.string('auto_pad', 'NOTSET');
  const ceil = isPool && input.attrs.int('ceil_mode', 0) === 1;
  const out: Dim[] = [];
  for (let i = 0; i < spatial; i++) {
    const d = x[i + 2];
    if (typeof d !== 'number') {
      out.push(null);
      continue;
    }
    const effective = (kernel[i]! - 1) * dilations[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') out.push(Math.ceil(d / strides[i]!));
    else if (autoPad === 'VALID') out.push(Math.floor((d - effective) / strides[i]!) + 1);
    else {
      const span = d + pads[i] + pads[i + spatial] - effective;
      let n = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // A last window that would start inside the end padding is dropped (PyTorch and ONNX Runtime agree).
      if (ceil && (n - 1) * strides[i]! >= d + pads[i]) n -= 1;
      out.push(n);
    }
  }
  return out;
}

function squeezeLike(input: InferenceInput, unsqueeze: boolean): TensorInfo[] {
  const x = input.inputs[0];
  const axes = axesOf(input, input.opset >= 13 && input.node.input?.[1] ? 1 : undefined);
  if (!x?.shape) return [{ dtype: x?.dtype }];
  if (unsqueeze) {
    if (!axes) return [{ dtype: x.dtype }];
    const rank = x.shape.length + axes.length;
    const set = new Set(axes.map((a) => normalizeAxis(a, rank)));
    const shape: Dim[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push((set.has(i) ? 1 : x.shape[k++])!);
    return [withValue(x.dtype, shape, x.value ? [...x.value] : undefined)];
  }
  const rank = x.shape.length;
  const set = axes ? new Set(axes.map((a) => normalizeAxis(a, rank))) : new Set(x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  if (!axes && x.shape.some((d) => typeof d !== 'number')) return [{ dtype: x.dtype }];
  const shape = x.shape.filter((_, i) => !set.has(i));
  return [withValue(x.dtype, shape, x.value ? [...x.value] : undefined)];
}

function reshapeTarget(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  const target = input.inputs[1]?.value;
  const targetShape = input.inputs[1]?.shape;
  if (!target) {
    const rank = targetShape && typeof targetShape[0] === 'number' ? targetShape[0] : undefined;
    return [{ dtype: x?.dtype, shape: rank === undefined ? undefined : new Array(rank).fill(null) }];
  }
  const allowZero = input.attrs.int('allowzero', 0) === 1;
  const shape: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x?.shape?.[i] ?? null) : d));
  const minus = shape.indexOf(-1);
  if (minus >= 0) {
    shape[minus] = null;
    if (x?.shape) {
      // Cancel the symbols and numbers common to both sides; what is left of the input is the -1 dim.
      const rest = [...x.shape];
      let divisor = 1;
      let solvable = true;
      shape.forEach((d, i) => {
        if (i === minus) return;
        if (typeof d === 'number') divisor *= d;
        else if (typeof d === 'string') {
          const at = rest.indexOf(d);
          if (at >= 0) rest.splice(at, 1);
          else solvable = false;
        } else solvable = false;
      });
      const numbers = rest.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
      const symbols = rest.filter((d) => typeof d !== 'number');
      const quotient = divisor > 0 && numbers % divisor === 0 ? numbers / divisor : undefined;
      if (solvable && quotient !== undefined) {
        if (symbols.length === 0) shape[minus] = quotient;
        else if (symbols.length === 1 && typeof symbols[0] === 'string' && quotient === 1) shape[minus] = symbols[0];
      }
    }
  }
  return [withValue(x?.dtype, shape, x?.value ? [...x.value] : undefined)];
}

function sliceInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype }];
  const known = (i: number) => {
    const v = input.node.input?.[i] ? input.inputs[i]?.value : undefined;
    return v?.every((d) => typeof d === 'number') ? (v as number[]) : undefined;
  };
  const starts = known(1);
  const ends = known(2);
  const rank = x.shape.length;
  const axes = input.node.input?.[3] ? known(3) : starts?.map((_, i) => i);
  const steps = input.node.input?.[4] ? known(4) : starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  const inShape = x.shape;
  const shape: Dim[] = [...inShape];
  const picks: (number[] | undefined)[] = inShape.map((d) => (typeof d === 'number' ? Array.from({ length: d }, (_, k) => k) : undefined));
  let value = x.value ? [...x.value] : undefined;
  axes.forEach((a, i) => {
    const axis = normalizeAxis(a, rank);
    const d = inShape[axis];
    if (typeof d !== 'number') {
      shape[axis] = null;
      value = undefined;
      return;
    }
    const range = sliceRange(starts[i]!, ends[i]!, steps[i]!, d);
    shape[axis] = range.count;
    picks[axis] = range.indices;
  });
  const contents = numbersOf(value);
  if (contents && isKnownNumbers(inShape) && picks.every((p) => p)) value = pickValues(contents, inShape, picks as number[][]);
  else if (value && rank !== 1) value = undefined;
  else if (value && rank === 1 && picks[0]) value = picks[0].map((k) => value![k]!);
  return [withValue(x.dtype, shape, value)];
}

/** The elements that Slice selects along one axis of length `d` (ONNX clamping rules). */
export function sliceRange(start: number, end: number, step: number, d: number): { count: number; indices: number[] } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  if (step > 0) {
    s = clamp(s, 0, d);
    e = clamp(e, 0, d);
  } else {
    s = clamp(s, 0, d - 1);
    e = clamp(e, -1, d - 1);
  }
  const indices: number[] = [];
  if (step > 0) for (let k = s; k < e; k += step) indices.push(k);
  else for (let k = s; k > e; k += step) indices.push(k);
  return { count: indices.length, indices };
}

function gatherInfo(input: InferenceInput): TensorInfo[] {
  const [data, indices] = input.inputs;
  if (!data?.shape || !indices?.shape) return [{ dtype: data?.dtype }];
  const axis = normalizeAxis(input.attrs.int('axis', 0), data.shape.length);
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  let value: Dim[] | undefined;
  const known = numbersOf(data.value);
  const at = numbersOf(indices.value);
  if (known && at && isKnownNumbers(data.shape) && countOf(shape) !== undefined && countOf(shape)! <= VALUE_LIMIT) {
    value = gatherValues(known, data.shape, at, axis);
  } else if (data.value && indices.value && data.shape.length === 1) {
    const n = data.value.length;
    value = indices.value.map((k) => (typeof k === 'number' ? (data.value![k < 0 ? k + n : k] ?? null) : null));
  }
  return [withValue(data.dtype, shape, value)];
}

function concatInfo(input: InferenceInput): TensorInfo[] {
  const infos = input.inputs;
  const first = infos.find((i) => i?.shape);
  if (!first?.shape || infos.some((i) => !i?.shape)) return [{ dtype: infos[0]?.dtype }];
  const rank = first.shape.length;
  const axis = normalizeAxis(input.attrs.int('axis', 0), rank);
  const shape = [...first.shape];
  shape[axis] = productOrSum(infos.map((i) => i!.shape![axis]!));
  for (let k = 0; k < rank; k++) {
    if (k === axis) continue;
    for (const i of infos) if (typeof i!.shape![k] === 'number') shape[k] = i!.shape![k]!;
  }
  let value = rank === 1 && infos.every((i) => i!.value) ? infos.flatMap((i) => [...i!.value!]) : undefined;
  if (!value && rank > 1 && infos.every((i) => numbersOf(i!.value) && isKnownNumbers(i!.shape))) {
    value = concatValues(
      infos.map((i) => ({ value: i!.value as number[], shape: i!.shape as number[] })),
      axis,
    );
  }
  return [withValue(infos[0]?.dtype, shape, value)];
}

function productOrSum(dims: readonly Dim[]): Dim {
  let total = 0;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    total += d;
  }
  return total;
}

function splitInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  const count = input.node.output?.length ?? 1;
  if (!x?.shape) return new Array(count).fill({ dtype: x?.dtype });
  const axis = normalizeAxis(input.attrs.int('axis', 0), x.shape.length);
  let sizes: Dim[] | undefined = input.attrs.ints('split');
  if (!sizes && input.node.input?.[1]) sizes = input.inputs[1]?.value ? [...input.inputs[1].value] : undefined;
  const d = x.shape[axis];
  if (!sizes && typeof d === 'number') {
    const chunk = Math.ceil(d / count);
    sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  return Array.from({ length: count }, (_, i) => {
    const shape = [...x.shape!];
    shape[axis] = sizes?.[i] ?? null;
    return { dtype: x.dtype, shape };
  });
}

function transposeInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype }];
  const perm = input.attrs.ints('perm') ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
  const known = numbersOf(x.value);
  const value = known && isKnownNumbers(x.shape) ? transposeValues(known, x.shape, perm) : undefined;
  return [
    withValue(
      x.dtype,
      perm.map((p) => x.shape![p]!),
      value,
    ),
  ];
}

function matmulInfo(input: InferenceInput): TensorInfo[] {
  const [a, b] = input.inputs;
  if (!a?.shape || !b?.shape) return [{ dtype: a?.dtype }];
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  const shape: Dim[] = [...batch];
  if (a.shape.length > 1) shape.push(as[as.length - 2]!);
  if (b.shape.length > 1) shape.push(bs[bs.length - 1]!);
  return [{ dtype: a.dtype, shape }];
}

function gemmInfo(input: InferenceInput): TensorInfo[] {
  const [a, b] = input.inputs;
  const ta = input.attrs.int('transA', 0) === 1;
  const tb = input.attrs.int('transB', 0) === 1;
  const m = a?.shape ? a.shape[ta ? 1 : 0] : null;
  const n = b?.shape ? b.shape[tb ? 0 : 1] : null;
  return [{ dtype: a?.dtype, shape: [m ?? null, n ?? null] }];
}

function convInfo(input: InferenceInput): TensorInfo[] {
  const [x, w] = input.inputs;
  if (!x?.shape) return [{ dtype: x?.dtype }];
  const channels = (w?.shape ? w.shape[0] : null)!;
  return [{ dtype: x.dtype, shape: [x.shape[0]!, channels, ...(spatialOutput(input, false) ?? [])] }];
}

function convTransposeInfo(input: InferenceInput): TensorInfo[] {
  const [x, w] = input.inputs;
  if (!x?.shape) return [{ dtype: x?.dtype }];
  const group = input.attrs.int('group', 1);
  const outChannels = w?.shape && typeof w.shape[1] === 'number' ? w.shape[1] * group : null;
  const spatial = x.shape.length - 2;
  const outputShape = input.attrs.ints('output_shape');
  const kernel = input.attrs.ints('kernel_shape') ?? (w?.shape && isKnownNumbers(w.shape.slice(2)) ? (w.shape.slice(2) as number[]) : undefined);
  const out: Dim[] = [];
  for (let i = 0; i < spatial; i++) {
    const d = x.shape[i + 2];
    if (outputShape) out.push(outputShape[outputShape.length - spatial + i]!);
    else if (typeof d !== 'number' || !kernel) out.push(null);
    else {
      const s = input.attrs.ints('strides')?.[i] ?? 1;
      const dil = input.attrs.ints('dilations')?.[i] ?? 1;
      const op = input.attrs.ints('output_padding')?.[i] ?? 0;
      const pads = input.attrs.ints('pads') ?? new Array(2 * spatial).fill(0);
      const autoPad = input.attrs.string('auto_pad', 'NOTSET');
      if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') out.push(d * s);
      else out.push(s * (d - 1) + op + (kernel[i]! - 1) * dil + 1 - pads[i] - pads[i + spatial]);
    }
  }
  return [{ dtype: x.dtype, shape: [x.shape[0]!, outChannels, ...out] }];
}

function poolInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype }, { dtype: DataType.INT64 }];
  const shape = [x.shape[0]!, x.shape[1]!, ...(spatialOutput(input, true) ?? [])];
  return [
    { dtype: x.dtype, shape },
    { dtype: DataType.INT64, shape },
  ];
}

function globalPoolInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype }];
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
}

function shapeInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: DataType.INT64 }];
  const rank = x.shape.length;
  const clampAxis = (a: number) => Math.min(Math.max(normalizeAxis(a, rank), 0), rank);
  const start = clampAxis(input.attrs.int('start', 0));
  const end = clampAxis(input.attrs.int('end', rank));
  const value = x.shape.slice(start, Math.max(start, end));
  return [withValue(DataType.INT64, [value.length], value)];
}

function constantOfShapeInfo(input: InferenceInput): TensorInfo[] {
  const tensor = input.attrs.tensor('value');
  const dtype = tensor?.dataType ?? DataType.FLOAT;
  const shape = input.inputs[0]?.value ? [...input.inputs[0].value] : undefined;
  let value: Dim[] | undefined;
  if (shape && isKnownNumbers(shape) && (productOf(shape) as number) <= VALUE_LIMIT) {
    const fill = tensor ? (readTensorValues(tensor)?.[0] ?? 0) : 0;
    value = new Array(productOf(shape) as number).fill(fill);
  }
  return [withValue(dtype, shape, value)];
}

function constantInfo(input: InferenceInput): TensorInfo[] {
  const tensor = input.attrs.tensor('value');
  if (tensor) return [infoOfTensor(tensor)];
  const ints = input.attrs.ints('value_ints');
  if (ints) return [withValue(DataType.INT64, [ints.length], ints)];
  if (input.attrs.has('value_int')) return [withValue(DataType.INT64, [], [input.attrs.int('value_int', 0)])];
  const floats = input.attrs.floats('value_floats');
  if (floats) return [{ dtype: DataType.FLOAT, shape: [floats.length] }];
  if (input.attrs.has('value_float')) return [{ dtype: DataType.FLOAT, shape: [] }];
  return [{}];
}

/** What an initializer or a Constant's tensor tells: type, dims, and the contents when small. */
export function infoOfTensor(tensor: import('./proto.js').TensorProto): TensorInfo {
  const dims = (tensor.dims ?? []).map(toNumber);
  const dtype = tensor.dataType ?? undefined;
  const readable = isIntegerType(dtype) || dtype === DataType.BOOL || dtype === DataType.FLOAT || dtype === DataType.DOUBLE;
  if (!readable) return { dtype, shape: dims };
  const values = readTensorValues(tensor, VALUE_LIMIT);
  return { dtype, shape: dims, value: values };
}

function castInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  const to = input.attrs.int('to', DataType.FLOAT);
  const convert = (v: number) => (to === DataType.BOOL ? (v !== 0 ? 1 : 0) : isIntegerType(to) ? Math.trunc(v) : v);
  const value = x?.value?.map((v) => (typeof v === 'number' ? convert(v) : isIntegerType(to) ? v : null));
  return [withValue(to, x?.shape, value)];
}

function padInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype }];
  const pads = input.inputs[1]?.value ?? input.attrs.ints('pads');
  const rank = x.shape.length;
  if (!pads?.every((p) => typeof p === 'number')) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  const axesValue = input.node.input?.[3] ? input.inputs[3]?.value : undefined;
  const axes = axesValue ? axesValue.map((a) => normalizeAxis(a as number, rank)) : x.shape.map((_, i) => i);
  const shape = [...x.shape];
  axes.forEach((axis, i) => {
    const d = shape[axis];
    shape[axis] = typeof d === 'number' ? d + (pads[i] as number) + (pads[i + axes.length] as number) : null;
  });
  return [{ dtype: x.dtype, shape }];
}

function expandInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  const target = input.inputs[1]?.value;
  if (!x?.shape || !target) {
    // The rank is known from the target's length even when its contents are not.
    const rank = input.inputs[1]?.shape?.[0];
    return [{ dtype: x?.dtype, shape: typeof rank === 'number' && x?.shape && rank >= x.shape.length ? new Array(rank).fill(null) : undefined }];
  }
  const shape = broadcastShapes(x.shape, target);
  return [
    withValue(
      x.dtype,
      shape,
      evaluated([x], shape, (v) => v),
    ),
  ];
}

function flattenInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: x?.dtype, shape: [null, null] }];
  const axis = normalizeAxis(input.attrs.int('axis', 1), x.shape.length);
  return [{ dtype: x.dtype, shape: [productOf(x.shape.slice(0, axis)), productOf(x.shape.slice(axis))] }];
}

function argReduceInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  if (!x?.shape) return [{ dtype: DataType.INT64 }];
  const axis = normalizeAxis(input.attrs.int('axis', 0), x.shape.length);
  const keep = input.attrs.int('keepdims', 1) === 1;
  const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return [{ dtype: DataType.INT64, shape }];
}

function layerNormInfo(input: InferenceInput): TensorInfo[] {
  const x = input.inputs[0];
  const y = { dtype: x?.dtype, shape: x?.shape };
  if (!x?.shape) return [y, { dtype: DataType.FLOAT }, { dtype: DataType.FLOAT }];
  const axis = normalizeAxis(input.attrs.int('axis', -1), x.shape.length);
  const stats = { dtype: DataType.FLOAT, shape: x.shape.map((d, i) => (i < axis ? d : 1)) };
  return [y, stats, stats];
}

function rangeInfo(input: InferenceInput): TensorInfo[] {
  const [start, limit, delta] = input.inputs.map((i) => i?.value?.[0]);
  const dtype = input.inputs[0]?.dtype;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number' && delta !== 0) {
    const count = Math.max(Math.ceil((limit - start) / delta), 0);
    const value = count <= VALUE_LIMIT ? Array.from({ length: count }, (_, i) => start + i * delta) : undefined;
    return [withValue(dtype, [count], value)];
  }
  return [{ dtype, shape: [null] }];
}

function whereInfo(input: InferenceInput): TensorInfo[] {
  const shape = broadcastAll(input.inputs);
  const [c, x, y] = input.inputs;
  let value: Dim[] | undefined = c && x && y ? broadcastValues([c, x, y], shape, VALUE_LIMIT, (k, a, b) => (k ? a : b)) : undefined;
  if (!value && shape && isKnownNumbers(shape) && shape.length <= 1 && c?.value && x?.value && y?.value) {
    const n = (shape.length === 0 ? 1 : shape[0])!;
    const at = (v: readonly Dim[], k: number) => (v.length === 1 ? v[0] : v[k])!;
    value = Array.from({ length: n }, (_, k) => {
      const cond = at(c.value!, k)!;
      return typeof cond === 'number' ? at(cond ? x.value! : y.value!, k) : null;
    });
  }
  return [withValue(x?.dtype, shape, value)];
}

const compare = (fn: (a: number, b: number) => boolean) => binary((a, b) => (fn(a, b) ? 1 : 0), DataType.BOOL);

const RULES: Record<string, Infer> = {
  Identity: ({ inputs }) => [withValue(inputs[0]?.dtype, inputs[0]?.shape, inputs[0]?.value ? [...inputs[0].value] : undefined)],
  Relu: same,
  LeakyRelu: same,
  Sigmoid: same,
  Tanh: same,
  Erf: same,
  Sqrt: same,
  Exp: same,
  Log: same,
  Abs: unary(Math.abs),
  Neg: unary((a) => -a),
  Trilu: same,
  IsNaN: ({ inputs }) => [{ dtype: DataType.BOOL, shape: inputs[0]?.shape }],
  IsInf: ({ inputs }) => [{ dtype: DataType.BOOL, shape: inputs[0]?.shape }],
  Reciprocal: same,
  Softplus: same,
  Softsign: same,
  Elu: same,
  Selu: same,
  Celu: same,
  HardSigmoid: same,
  HardSwish: same,
  Gelu: same,
  Mish: same,
  Sin: same,
  Cos: same,
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Round: unary(roundHalfToEven),
  Sign: unary(Math.sign),
  Not: unary((a) => (a ? 0 : 1)),
  Softmax: same,
  LogSoftmax: same,
  Clip: same,
  CumSum: same,
  InstanceNormalization: same,
  BatchNormalization: same,
  LayerNormalization: layerNormInfo,
  Dropout: ({ inputs }) => [
    { dtype: inputs[0]?.dtype, shape: inputs[0]?.shape },
    { dtype: DataType.BOOL, shape: inputs[0]?.shape },
  ],
  Cast: castInfo,
  Add: binary(add),
  Sub: binary((a, b) => a - b),
  Mul: binary(mul),
  Div: binary((a, b, dtype) => (isIntegerType(dtype) ? (b === 0 ? 0 : Math.trunc(a / b)) : a / b)),
  Pow: binary((a, b) => a ** b),
  Mod: (input) => {
    const fmod = input.attrs.int('fmod', 0) === 1;
    // fmod=1 takes the dividend's sign (C fmod), fmod=0 the divisor's (Python's %).
    return binary((a, b) => (b === 0 ? 0 : fmod ? a % b : a - b * Math.floor(a / b)))(input);
  },
  Max: variadic(Math.max),
  Min: variadic(Math.min),
  Sum: variadic(add),
  Mean: variadic(),
  Equal: compare((a, b) => a === b),
  Less: compare((a, b) => a < b),
  LessOrEqual: compare((a, b) => a <= b),
  Greater: compare((a, b) => a > b),
  GreaterOrEqual: compare((a, b) => a >= b),
  And: binary((a, b) => (a && b ? 1 : 0), DataType.BOOL),
  Or: binary((a, b) => (a || b ? 1 : 0), DataType.BOOL),
  Xor: binary((a, b) => (a ? 1 : 0) ^ (b ? 1 : 0), DataType.BOOL),
  Where: whereInfo,
  MatMul: matmulInfo,
  Gemm: gemmInfo,
  Conv: convInfo,
  ConvTranspose: convTransposeInfo,
  MaxPool: poolInfo,
  AveragePool: poolInfo,
  LpPool: poolInfo,
  GlobalAveragePool: globalPoolInfo,
  GlobalMaxPool: globalPoolInfo,
  ReduceSum: reduce(13, add),
  ReduceMean: reduce(18),
  ReduceMax: reduce(18, Math.max),
  ReduceMin: reduce(18, Math.min),
  ReduceProd: reduce(18, mul),
  ReduceL1: reduce(18),
  ReduceL2: reduce(18),
  ReduceSumSquare: reduce(18),
  ReduceLogSumExp: reduce(18),
  ArgMax: argReduceInfo,
  ArgMin: argReduceInfo,
  Shape: shapeInfo,
  Size: ({ inputs }) => {
    const total = inputs[0]?.shape ? productOf(inputs[0].shape) : null;
    return [withValue(DataType.INT64, [], [total])];
  },
  Constant: constantInfo,
  ConstantOfShape: constantOfShapeInfo,
  Gather: gatherInfo,
  GatherElements: ({ inputs }) => [{ dtype: inputs[0]?.dtype, shape: inputs[1]?.shape }],
  ScatterND: same,
  ScatterElements: same,
  Concat: concatInfo,
  Split: splitInfo,
  Slice: sliceInfo,
  Reshape: reshapeTarget,
  Flatten: flattenInfo,
  Squeeze: (input) => squeezeLike(input, false),
  Unsqueeze: (input) => squeezeLike(input, true),
  Transpose: transposeInfo,
  Expand: expandInfo,
  Pad: padInfo,
  Range: rangeInfo,
  NonZero: ({ inputs }) => [{ dtype: DataType.INT64, shape: [inputs[0]?.shape?.length ?? null, null] }],
  OneHot: ({ inputs }) => [{ dtype: inputs[2]?.dtype }],
  Tile: ({ inputs }) => {
    const x = inputs[0];
    const reps = inputs[1]?.value;
    if (!x?.shape || !reps) return [{ dtype: x?.dtype }];
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => productOf([d, reps[i]!])) }];
  },
  TopK: ({ inputs }) => [{ dtype: inputs[0]?.dtype }, { dtype: DataType.INT64 }],
  Resize: ({ inputs }) => [{ dtype: inputs[0]?.dtype, shape: inputs[0]?.shape?.map(() => null) }],
  Einsum: ({ inputs }) => [{ dtype: inputs[0]?.dtype }],
};

/**
 * Infers the outputs of one node from what is known of its inputs. Ops without a rule yield
 * nothing known, which is harmless unless a gradient rule later needs a shape.
 */
export function inferNode(node: NodeProto, lookup: Lookup, opset: number): TensorInfo[] {
  const domain = node.domain ?? '';
  const rule = domain === '' || domain === 'ai.onnx' ? RULES[node.opType ?? ''] : undefined;
  if (!rule) return (node.output ?? []).map(() => ({}));
  const inputs = (node.input ?? []).map((name) => (name ? lookup(name) : undefined));
  try {
    return rule({ node, attrs: new NodeAttributes(node), inputs, opset });
  } catch {
    // A malformed node leaves its outputs unknown; ONNX Runtime reports the real problem when it loads.
    return (node.output ?? []).map(() => ({}));
  }
}
