/** ||v_t|| over the last axis of v [T, D], into out [T]. */
export function l2OverDimension(v: Float32Array, width: number, out: Float32Array): void {
  for (let t = 0; t < out.length; t++) {
    let sum = 0;
    for (let d = t * width; d < (t + 1) * width; d++) sum += v[d]! * v[d]!;
    out[t] = Math.sqrt(sum);
  }
}

/** sum over the last axis of a * b ([T, D] each), into out [T]. */
export function dotOverDimension(a: ArrayLike<number>, b: ArrayLike<number>, width: number, out: Float32Array): void {
  for (let t = 0; t < out.length; t++) {
    let sum = 0;
    for (let d = t * width; d < (t + 1) * width; d++) sum += a[d]! * b[d]!;
    out[t] = sum;
  }
}
