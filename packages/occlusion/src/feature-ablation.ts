import { type Attribution, beginMethod, type CommonOptions, checkLimit, type Layout, type Method, type Model, ShapeError, sameShape, type TensorData } from '@salience/core';
import { type OcclusionBaseline, type ResolvedBaseline, resolveBaseline } from './baseline.js';
import { imageAxes } from './image-baselines.js';
import { attributeByPerturbation } from './perturbation.js';
import { FeatureGroups } from './regions.js';

export interface FeatureAblationOptions {
  /**
   * Integer group id per element, shared by all examples: the shape of one example (with or
   * without a batch of 1), or for images `[H, W]` (each pixel's group spans all its channels),
   * e.g. superpixels. Every group is replaced by the baseline at once. Default: every element is
   * its own group (Captum's default).
   */
  readonly featureMask?: TensorData;
  /** What replaces a group: a number (default 0), a tensor, 'blur' or 'mean'. */
  readonly baseline?: OcclusionBaseline;
  /** Gaussian sigma, in pixels, of the 'blur' baseline. Default: 1/16 of the larger image side. */
  readonly blurSigma?: number;
}

/** The options feature ablation takes besides `CommonOptions`. */
export const FEATURE_ABLATION_OPTION_KEYS: readonly (keyof FeatureAblationOptions)[] = ['featureMask', 'baseline', 'blurSigma'];

/** Group id of every element of one example. */
function groupIds(mask: TensorData | undefined, rowShape: readonly number[], layout: Layout): ArrayLike<number> {
  const size = rowShape.reduce((a, b) => a * b, 1);
  if (!mask) return Int32Array.from({ length: size }, (_, i) => i);
  if (!Array.isArray(mask.shape) || typeof mask.data?.length !== 'number')
    throw new ShapeError(`featureMask must be a tensor { data, shape }, one group id per element of an example [${rowShape.join(', ')}].`);
  if (mask.data.length !== mask.shape.reduce((a, b) => a * b, 1)) {
    throw new ShapeError(`featureMask has ${mask.data.length} values but its shape [${mask.shape.join(', ')}] needs ${mask.shape.reduce((a, b) => a * b, 1)}.`);
  }
  mask.data.forEach((id, i) => {
    if (!Number.isInteger(id)) throw new ShapeError(`featureMask value ${i} is ${id}; group ids are integers.`);
  });
  if (sameShape(mask.shape, rowShape) || sameShape(mask.shape, [1, ...rowShape])) return mask.data;
  const image = rowShape.length === 3 && (layout === 'NCHW' || layout === 'NHWC');
  if (image) {
    const axes = imageAxes([1, ...rowShape], layout, 'A spatial featureMask');
    const { height, width, channels } = axes;
    if (sameShape(mask.shape, [height, width]) || sameShape(mask.shape, [1, height, width])) {
      const ids = new Float32Array(size);
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) ids[c * axes.channelStep + y * axes.rowStep + x * axes.columnStep] = mask.data[y * width + x]!;
        }
      }
      return ids;
    }
  }
  const spatial = image ? ` or [${layout === 'NCHW' ? rowShape.slice(1).join(', ') : rowShape.slice(0, 2).join(', ')}]` : '';
  throw new ShapeError(`featureMask has shape [${mask.shape.join(', ')}]; give one id per element of an example, [${rowShape.join(', ')}]${spatial}.`);
}

/**
 * Feature ablation (Captum's `FeatureAblation`): each group of a feature mask is replaced by the
 * baseline in turn, and every element of the group gets the drop in the target's objective.
 * Forward-only, batched like occlusion.
 */
export const featureAblation: Method<FeatureAblationOptions> = {
  id: 'feature-ablation',
  requires: ['logits'],
  optionKeys: FEATURE_ABLATION_OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: FeatureAblationOptions & CommonOptions = {}): Promise<Attribution> {
    let regions!: FeatureGroups;
    let blurSigma = 0;
    let baseline!: ResolvedBaseline;
    const call = await beginMethod(model, input, options, {
      id: 'feature-ablation',
      requires: this.requires,
      optionKeys: FEATURE_ABLATION_OPTION_KEYS,
      logits: true,
      check: () => {
        const rowShape = input.shape.slice(1);
        regions = new FeatureGroups(groupIds(options.featureMask, rowShape, model.layout));
        checkLimit('windows', regions.count, options.limits, 'The number of feature groups');
        blurSigma = options.blurSigma ?? Math.max(...rowShape) / 16;
        baseline = resolveBaseline(options.baseline, input, model.layout, blurSigma);
      },
    });
    return attributeByPerturbation({
      id: 'feature-ablation',
      call,
      regions,
      baseline,
      options,
      meta: { groups: regions.count, blurSigma: baseline.kind === 'blur' ? blurSigma : null },
    });
  },
};
