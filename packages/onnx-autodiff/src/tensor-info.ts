/**
 * What is known about a tensor at build time. A dimension is a number, a symbol (an ONNX `dim_param`
 * such as 'batch', equal only to itself) or null (unknown). `value` holds the contents of small integer
 * tensors (shapes, axes, pads) so that shape arithmetic can be folded while the graph is built.
 */
export type Dim = number | string | null;

export interface TensorInfo {
  readonly dtype?: number;
  readonly shape?: readonly Dim[];
  readonly value?: readonly Dim[];
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

export function isKnownNumbers(dims: readonly Dim[] | undefined): dims is readonly number[] {
  return dims?.every((d) => typeof d === 'number') === true;
}

/** The product of dims: a number when all are numbers, a symbol when one symbol times ones, else null. */
export function productOf(dims: readonly Dim[]): Dim {
  let product = 1;
  let symbol: string | null = null;
  for (const d of dims) {
    if (typeof d === 'number') product *= d;
    else if (typeof d === 'string' && symbol === null) symbol = d;
    else return null;
  }
  if (symbol === null) return product;
  if (product === 0) return 0;
  return product === 1 ? symbol : null;
}

/** Numpy-style broadcast of two shapes. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = (i < rank - a.length ? 1 : a[i - (rank - a.length)])!;
    const y = (i < rank - b.length ? 1 : b[i - (rank - b.length)])!;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y) out.push(x);
    else if (typeof x === 'number') out.push(x);
    else if (typeof y === 'number') out.push(y);
    else out.push(null);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function formatShape(shape: readonly Dim[] | undefined): string {
  if (!shape) return '[?]';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
