import { ShapeError, type TensorData } from '@salience/core';

/** Height and width of a single 2D map: shape [H, W], or with leading 1s ([1, H, W], [1, 1, H, W]). */
export function mapSize(map: TensorData, what = 'Map'): { readonly height: number; readonly width: number } {
  const shape = map?.shape;
  if (!shape || !map.data) throw new ShapeError(`${what} must be a TensorData {data, shape}.`);
  const rank = shape.length;
  if (rank < 2 || shape.slice(0, rank - 2).some((d) => d !== 1)) {
    throw new ShapeError(`${what} has shape [${shape.join(', ')}]; expected one 2D map [H, W]. Use toDisplayMap to turn a batch of attributions into maps.`);
  }
  const height = shape[rank - 2]!;
  const width = shape[rank - 1]!;
  if (map.data.length !== height * width) {
    throw new ShapeError(`${what} has ${map.data.length} values but shape [${shape.join(', ')}].`);
  }
  return { height: height!, width: width! };
}
