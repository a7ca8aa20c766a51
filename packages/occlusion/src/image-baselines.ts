import { type Layout, OptionError, type TensorData } from '@salience/core';

/** Image geometry of a batch: B, channels, height, width, and the element steps between them. */
export interface ImageAxes {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly channelStep: number;
  readonly rowStep: number;
  readonly columnStep: number;
}

export function imageAxes(shape: readonly number[], layout: Layout, what: string): ImageAxes {
  if (shape.length !== 4 || (layout !== 'NCHW' && layout !== 'NHWC')) {
    throw new OptionError(`${what} needs images (NCHW or NHWC, rank 4); this model's layout is ${layout} with input rank ${shape.length}. Use a number or a tensor baseline.`);
  }
  if (layout === 'NCHW') {
    const [batch, channels, height, width] = shape as [number, number, number, number];
    return { batch: batch!, channels: channels!, height: height!, width: width!, channelStep: height * width, rowStep: width, columnStep: 1 };
  }
  const [batch, height, width, channels] = shape as [number, number, number, number];
  return { batch: batch!, channels: channels!, height: height!, width: width!, channelStep: 1, rowStep: width * channels, columnStep: channels };
}

/** Each image with every channel replaced by that channel's mean over the image. */
export function channelMeans(input: TensorData, layout: Layout): TensorData {
  const { batch, channels, height, width, channelStep, rowStep, columnStep } = imageAxes(input.shape, layout, "The 'mean' baseline");
  const perImage = channels * height * width;
  const out = new Float32Array(input.data.length);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const base = b * perImage + c * channelStep;
      let sum = 0;
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum += input.data[base + y * rowStep + x * columnStep]!;
      const mean = sum / (height * width);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[base + y * rowStep + x * columnStep] = mean;
    }
  }
  return { data: out, shape: [...input.shape] };
}
