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
    const [batch, channels, height, width] = shape;
    return { batch, channels, height, width, channelStep: height * width, rowStep: width, columnStep: 1 };
  }
  const [batch, height, width, channels] = shape;
  return { batch, channels, height, width, channelStep: 1, rowStep: width * channels, columnStep: channels };
}

/** A normalised Gaussian kernel with radius ceil(3 sigma). */
function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += kernel[i + radius];
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** One pass of a 1-d convolution along lines of `length` elements `step` apart; edges repeat. */
function blurLines(
  src: Float32Array,
  dst: Float32Array,
  starts: readonly number[],
  length: number,
  step: number,
  kernel: Float64Array,
): void {
  const radius = (kernel.length - 1) / 2;
  for (const start of starts) {
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        const j = Math.min(length - 1, Math.max(0, i + k));
        sum += kernel[k + radius] * src[start + j * step];
      }
      dst[start + i * step] = sum;
    }
  }
}

/**
 * A Gaussian-blurred copy of a batch of images, each channel blurred on its own (separable, edges
 * repeated). Computed once per call, so its cost does not depend on the number of windows.
 */
export function gaussianBlur(input: TensorData, layout: Layout, sigma: number): TensorData {
  const axes = imageAxes(input.shape, layout, "The 'blur' baseline");
  if (!Number.isFinite(sigma) || sigma <= 0) throw new OptionError(`blurSigma must be a positive number of pixels; got ${sigma}.`);
  const { batch, channels, height, width, channelStep, rowStep, columnStep } = axes;
  const kernel = gaussianKernel(sigma);
  const perImage = channels * height * width;
  const rowsStarts: number[] = [];
  const columnStarts: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const base = b * perImage + c * channelStep;
      for (let y = 0; y < height; y++) rowsStarts.push(base + y * rowStep);
      for (let x = 0; x < width; x++) columnStarts.push(base + x * columnStep);
    }
  }
  const horizontal = new Float32Array(input.data.length);
  blurLines(input.data, horizontal, rowsStarts, width, columnStep, kernel);
  const out = new Float32Array(input.data.length);
  blurLines(horizontal, out, columnStarts, height, rowStep, kernel);
  return { data: out, shape: [...input.shape] };
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
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum += input.data[base + y * rowStep + x * columnStep];
      const mean = sum / (height * width);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[base + y * rowStep + x * columnStep] = mean;
    }
  }
  return { data: out, shape: [...input.shape] };
}
