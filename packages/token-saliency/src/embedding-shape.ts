import { ShapeError, type TensorData } from '@salience/core';

/** Checks an embedding output of the model against the rows and tokens asked for; returns D. */
export function embeddingWidthOf(t: TensorData, rows: number, length: number, what: string): number {
  const [r, l, width] = t.shape as [number, number, number];
  if (t.shape.length !== 3 || r !== rows || l !== length || !(width > 0) || t.data.length !== rows * length * width) {
    throw new ShapeError(`The model returned ${what} of shape [${t.shape.join(', ')}] for ${rows} rows of ${length} tokens; expected [${rows}, ${length}, D].`);
  }
  return width;
}
