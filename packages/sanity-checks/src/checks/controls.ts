import type { Attribution, CommonOptions, Method, Model, TensorData } from '@salience/core';
import { checkBatchSize, checkInput, createRng, defaultBatchSize, modelWithRun, OptionError, resolveTargets, rowSize } from '@salience/core';
import { inputGrid } from '../metrics/maps.js';

/** Counts the model calls that resolving the targets costs. */
function countingCalls(model: Model): { model: Model; calls: () => number } {
  let calls = 0;
  const counted = modelWithRun(model, (request) => {
    calls++;
    return model.run(request);
  });
  return { model: counted, calls: () => calls };
}

/** Mean over channels of every pixel of example `e`. */
function grayImage(input: TensorData, grid: ReturnType<typeof inputGrid>, e: number): Float64Array {
  const positions = grid.height * grid.width;
  const example = input.data.subarray(e * rowSize(input), (e + 1) * rowSize(input));
  const gray = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    let s = 0;
    for (let c = 0; c < grid.channels; c++) s += example[grid.offset(p, c)]!;
    gray[p] = s / grid.channels;
  }
  return gray;
}

/** Sobel gradient magnitude of an h x w image, edges repeated. */
function sobelMagnitude(image: Float64Array, h: number, w: number, out: Float32Array): void {
  const at = (y: number, x: number) => image[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = at(y - 1, x + 1)! + 2 * at(y, x + 1)! + at(y + 1, x + 1)! - at(y - 1, x - 1)! - 2 * at(y, x - 1)! - at(y + 1, x - 1)!;
      const gy = at(y + 1, x - 1)! + 2 * at(y + 1, x)! + at(y + 1, x + 1)! - at(y - 1, x - 1)! - 2 * at(y - 1, x)! - at(y - 1, x + 1)!;
      out[y * w + x] = Math.sqrt(gx * gx + gy * gy);
    }
  }
}

/**
 * A negative control: the Sobel edge magnitude of each image (channel mean), which ignores the
 * model entirely. It looks like a plausible saliency map, yet any check that it passes cannot tell
 * a map that explains the model from one that merely shows the input: parameter and label
 * randomisation must fail it. Maps are [maps, H, W] ('NHW'), one per (example, target).
 */
export const sobelEdges: Method = {
  id: 'sobel-edges',
  requires: [],
  async attribute(model: Model, input: TensorData, options: CommonOptions = {}): Promise<Attribution> {
    checkInput(model, input);
    if (model.layout !== 'NHWC' && model.layout !== 'NCHW') throw new OptionError(`The Sobel edge control needs an image model; this one's layout is '${model.layout}'.`);
    const grid = inputGrid(input, model.layout, 'The Sobel edge control');
    const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(rowSize(input)));
    const counted = countingCalls(model);
    const { examples, targets } = await resolveTargets(counted.model, input, options.target, options.signal, { batchSize });
    const positions = grid.height * grid.width;
    const values = new Float32Array(examples.length * positions);
    const edges = new Map<number, Float32Array>();
    examples.forEach((e, m) => {
      let map = edges.get(e);
      if (!map) {
        map = new Float32Array(positions);
        sobelMagnitude(grayImage(input, grid, e), grid.height, grid.width, map);
        edges.set(e, map);
      }
      values.set(map, m * positions);
    });
    options.onProgress?.(examples.length, examples.length);
    return {
      method: 'sobel-edges',
      values: { data: values, shape: [examples.length, grid.height, grid.width] },
      layout: 'NHW',
      examples,
      targets,
      meta: { control: 'input-only', modelCalls: counted.calls() },
    };
  },
};

/**
 * A negative control: uniform noise in [0, 1), one map per (example, target), seeded by `seed`
 * (default 0). It ranks features at random, so the deletion check must fail it. Image models get
 * [maps, H, W] ('NHW'), vector models [maps, features] ('NC').
 */
export const randomMap: Method = {
  id: 'random',
  requires: [],
  async attribute(model: Model, input: TensorData, options: CommonOptions = {}): Promise<Attribution> {
    checkInput(model, input);
    const grid = inputGrid(input, model.layout, 'The random map control');
    const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(rowSize(input)));
    const counted = countingCalls(model);
    const { examples, targets } = await resolveTargets(counted.model, input, options.target, options.signal, { batchSize });
    const positions = grid.height * grid.width;
    const values = createRng(options.seed ?? 0).fillUniform(new Float32Array(examples.length * positions));
    options.onProgress?.(examples.length, examples.length);
    const image = model.layout !== 'NC';
    return {
      method: 'random',
      values: { data: values, shape: image ? [examples.length, grid.height, grid.width] : [examples.length, positions] },
      layout: image ? 'NHW' : 'NC',
      examples,
      targets,
      meta: { control: 'random', seed: options.seed ?? 0, modelCalls: counted.calls() },
    };
  },
};
