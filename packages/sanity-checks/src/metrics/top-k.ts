/** Indices of the k largest values, ties broken by position. */
export function topKIndices(values: ArrayLike<number>, k: number): Int32Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  return Int32Array.from(order.slice(0, k));
}

/** The share of the k largest values of `a` that are also among the k largest of `b`, in [0, 1]. */
export function topKIntersection(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  if (k < 1) return 1;
  const inB = new Set(topKIndices(b, k));
  let shared = 0;
  for (const i of topKIndices(a, k)) if (inB.has(i)) shared++;
  return shared / k;
}
