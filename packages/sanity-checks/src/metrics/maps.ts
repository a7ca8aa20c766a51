import type { Attribution, Layout, TensorData } from '@salience/core';
import { ShapeError } from '@salience/core';

/** Maps reduced to one value per position: pixels of an image, features of a vector, tokens. */
export interface Maps2d {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** Channel sums of the raw values, [count, height, width]. */
  readonly signed: Float32Array;
  /** Channel sums of the absolute values. */
  readonly absolute: Float32Array;
}

/** Where the channels of a tensor of maps are: [count, height, width, channels] with strides. */
function geometry(
  values: TensorData,
  layout: Attribution['layout'],
): { count: number; height: number; width: number; channels: number; channelStride: number; pixelStride: number } {
  const s = values.shape;
  switch (layout) {
    case 'NHWC':
      return { count: s[0]!, height: s[1]!, width: s[2]!, channels: s[3]!, channelStride: 1, pixelStride: s[3]! };
    case 'NCHW':
      return { count: s[0]!, height: s[2]!, width: s[3]!, channels: s[1]!, channelStride: s[2]! * s[3]!, pixelStride: 1 };
    case 'NHW':
      return { count: s[0]!, height: s[1]!, width: s[2]!, channels: 1, channelStride: 1, pixelStride: 1 };
    case 'NC':
    case 'NT':
      return { count: s[0]!, height: 1, width: s[1]!, channels: 1, channelStride: 1, pixelStride: 1 };
    case 'NTD':
      return { count: s[0]!, height: 1, width: s[1]!, channels: s[2]!, channelStride: 1, pixelStride: s[2]! };
  }
}

/**
 * One value per position for every map: channels are summed (signed), and summed as absolute
 * values (absolute). Vector and token maps become maps of one row.
 */
export function toMaps2d(attribution: Pick<Attribution, 'values' | 'layout'>): Maps2d {
  const { count, height, width, channels, channelStride, pixelStride } = geometry(attribution.values, attribution.layout);
  const positions = height * width;
  const signed = new Float32Array(count * positions);
  const absolute = new Float32Array(count * positions);
  const data = attribution.values.data;
  const perMap = positions * channels;
  for (let m = 0; m < count; m++) {
    for (let p = 0; p < positions; p++) {
      let s = 0;
      let a = 0;
      for (let c = 0; c < channels; c++) {
        const v = data[m * perMap + p * pixelStride + c * channelStride]!;
        s += v;
        a += Math.abs(v);
      }
      signed[m * positions + p] = s;
      absolute[m * positions + p] = a;
    }
  }
  return { count, height, width, signed, absolute };
}

/** The positions (height x width) and channels of a model's input. */
export interface InputGrid {
  readonly layout: Layout;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Offset of (position p, channel c) within one example. */
  offset(p: number, c: number): number;
}

export function inputGrid(input: TensorData, layout: Layout, what: string): InputGrid {
  const s = input.shape;
  switch (layout) {
    case 'NHWC':
      return { layout, height: s[1]!, width: s[2]!, channels: s[3]!, offset: (p, c) => p * s[3]! + c };
    case 'NCHW':
      return { layout, height: s[2]!, width: s[3]!, channels: s[1]!, offset: (p, c) => c * s[2]! * s[3]! + p };
    case 'NC':
      return { layout, height: 1, width: s[1]!, channels: 1, offset: (p) => p };
    case 'tokens':
      throw new ShapeError(`${what} replaces input values, which token ids cannot be; it needs an image or feature-vector model.`);
  }
}

/** Checks that maps cover the input's positions, one map per example. */
export function checkMapsFit(maps: Maps2d, grid: InputGrid, examples: number, method: string): void {
  if (maps.count !== examples) throw new ShapeError(`Method '${method}' gave ${maps.count} maps for ${examples} examples; give one target per example.`);
  if (maps.height !== grid.height || maps.width !== grid.width) {
    throw new ShapeError(
      `Method '${method}' gave maps of ${maps.height} x ${maps.width} for inputs of ${grid.height} x ${grid.width}; ask it for maps at the input's resolution (Grad-CAM: resolution 'input').`,
    );
  }
}
