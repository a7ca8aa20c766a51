import { type Attribution, beginMethod, type CommonOptions, checkLimit, type Method, type Model, type TensorData } from '@salience/core';
import { type OcclusionBaseline, type ResolvedBaseline, resolveBaseline } from './baseline.js';
import { attributeByPerturbation } from './perturbation.js';
import { SlidingWindows } from './regions.js';
import { type WindowGrid, type WindowSize, windowGrid } from './window.js';

export interface OcclusionOptions {
  /**
   * The occluding window. A number is a square over the spatial dimensions of an image spanning
   * all channels (or that size along every dimension of other inputs); `[h, w]` likewise; or one
   * size per dimension of an example in the model's layout (NCHW `[c, h, w]`, NHWC `[h, w, c]`),
   * Captum's `sliding_window_shapes`. Larger than the input: clamped to it. Default: one eighth of
   * the shorter image side (at least 1) over all channels; 1 for other inputs.
   */
  readonly window?: WindowSize;
  /**
   * Step between windows, in the same forms (a number steps the spatial dimensions; the channel
   * step is then the channel window). Default: the window (non-overlapping tiles). Captum's
   * `strides` defaults to 1. Must not exceed the window where the window is smaller than the input.
   */
  readonly stride?: WindowSize;
  /** What fills the window: a number (default 0), a tensor, 'blur' or 'mean'. */
  readonly baseline?: OcclusionBaseline;
  /** Gaussian sigma, in pixels, of the 'blur' baseline. Default: half the larger spatial window side. */
  readonly blurSigma?: number;
}

/** The options occlusion takes besides `CommonOptions`. */
export const OCCLUSION_OPTION_KEYS: readonly (keyof OcclusionOptions)[] = ['window', 'stride', 'baseline', 'blurSigma'];

function spatialWindowSide(window: readonly number[], layout: Model['layout']): number {
  const spatial = layout === 'NCHW' ? window.slice(1) : layout === 'NHWC' ? window.slice(0, 2) : window;
  return Math.max(...spatial);
}

/**
 * Sliding-window occlusion (Zeiler & Fergus 2014; Captum's `Occlusion`). Needs only logits, so it
 * works with any model, forward-only ones included. Each element's score is the mean drop in the
 * target's objective over the windows that covered it; the last window along a dimension is
 * truncated at the border, as in Captum.
 */
export const occlusion: Method<OcclusionOptions> = {
  id: 'occlusion',
  requires: ['logits'],
  optionKeys: OCCLUSION_OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: OcclusionOptions & CommonOptions = {}): Promise<Attribution> {
    let grid!: WindowGrid;
    let blurSigma = 0;
    let baseline!: ResolvedBaseline;
    const call = await beginMethod(model, input, options, {
      id: 'occlusion',
      requires: this.requires,
      optionKeys: OCCLUSION_OPTION_KEYS,
      logits: true,
      check: () => {
        grid = windowGrid(input.shape.slice(1), model.layout, options.window, options.stride);
        checkLimit(
          'windows',
          grid.positions.reduce((a, b) => a * b, 1),
          options.limits,
          'The number of windows per example',
        );
        blurSigma = options.blurSigma ?? spatialWindowSide(grid.window, model.layout) / 2;
        baseline = resolveBaseline(options.baseline, input, model.layout, blurSigma);
      },
    });
    return attributeByPerturbation({
      id: 'occlusion',
      call,
      regions: new SlidingWindows(grid),
      baseline,
      options,
      meta: {
        window: grid.window,
        stride: grid.stride,
        positions: grid.positions,
        baselineValue: typeof options.baseline === 'number' || options.baseline === undefined ? (options.baseline ?? 0) : null,
        blurSigma: baseline.kind === 'blur' ? blurSigma : null,
      },
    });
  },
};
