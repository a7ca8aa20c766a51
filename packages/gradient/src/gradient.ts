import {
  type Attribution,
  beginMethod,
  type ChannelReduction,
  type CommonOptions,
  inputShapedMaps,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  type TensorData,
} from '@salience/core';

/**
 * - 'absolute': |d objective / d x| (Simonyan et al.; Captum's Saliency default);
 * - 'signed': d objective / d x;
 * - 'input-x-gradient': x * d objective / d x.
 */
export type GradientVariant = 'absolute' | 'signed' | 'input-x-gradient';

export const GRADIENT_VARIANTS: readonly GradientVariant[] = ['absolute', 'signed', 'input-x-gradient'];

export interface GradientOptions {
  readonly variant?: GradientVariant;
  /** Reduce the channel axis of image maps to one value per pixel; off by default (raw scores). */
  readonly channelReduction?: ChannelReduction;
}

function checkVariant(variant: string): GradientVariant {
  if (!GRADIENT_VARIANTS.includes(variant as GradientVariant)) {
    throw new OptionError(`Unknown gradient variant '${variant}'; use one of ${GRADIENT_VARIANTS.join(', ')}.`);
  }
  return variant as GradientVariant;
}

/** The options a gradient method takes besides `CommonOptions`. */
export const GRADIENT_OPTION_KEYS: readonly (keyof GradientOptions)[] = ['variant', 'channelReduction'];

/** A gradient method whose options default to `defaults`. */
export function gradientMethod(defaults: GradientOptions = {}, id = 'gradient'): Method<GradientOptions> {
  return {
    id,
    requires: ['inputGradients'],
    optionKeys: GRADIENT_OPTION_KEYS,
    async attribute(model: Model, input: TensorData, options: GradientOptions & CommonOptions = {}): Promise<Attribution> {
      const variant = checkVariant(options.variant ?? defaults.variant ?? 'absolute');
      const channelReduction = options.channelReduction ?? defaults.channelReduction;
      const call = await beginMethod(model, input, options, {
        id,
        requires: this.requires,
        optionKeys: GRADIENT_OPTION_KEYS,
        layouts: ['NCHW', 'NHWC', 'NC'],
        layoutHint: 'Token ids have no gradient; use @salience/token-saliency, which differentiates the embeddings.',
      });
      const { examples, targets } = call;
      const size = rowSize(input);
      const rows = examples.length;
      const values = new Float32Array(rows * size);

      await call.forEachBatch(
        rows,
        async (start, end) => {
          const batch = call.mapInput(start, end);
          const { inputGradients } = await call.run({
            input: batch,
            examples: examples.subarray(start, end),
            targets: targets.subarray(start, end),
            outputs: ['inputGradients'],
          });
          writeVariant(variant, inputGradients.data, batch.data, values.subarray(start * size, end * size));
        },
        options.onProgress,
      );

      return {
        method: id,
        ...inputShapedMaps(values, rows, input, model.layout, channelReduction),
        examples,
        targets,
        meta: {
          variant,
          channelReduction: channelReduction ?? null,
          objective: objectiveName(options.objective),
          batchSize: call.batchSize,
          modelCalls: call.modelCalls,
        },
      };
    },
  };
}

function writeVariant(variant: GradientVariant, gradient: Float32Array, input: Float32Array, out: Float32Array): void {
  switch (variant) {
    case 'signed':
      out.set(gradient);
      return;
    case 'absolute':
      for (let i = 0; i < out.length; i++) out[i] = Math.abs(gradient[i]!);
      return;
    case 'input-x-gradient':
      for (let i = 0; i < out.length; i++) out[i] = input[i]! * gradient[i]!;
      return;
  }
}

/** |gradient| by default; `variant` and `channelReduction` change it per call. */
export const gradient: Method<GradientOptions> = gradientMethod();

/** Gradient x input (Captum's InputXGradient). */
export const inputXGradient: Method<GradientOptions> = gradientMethod({ variant: 'input-x-gradient' }, 'input-x-gradient');
