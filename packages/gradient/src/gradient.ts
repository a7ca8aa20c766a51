import {
  type Attribution,
  type ChannelReduction,
  type CommonOptions,
  type Method,
  type Model,
  type TensorData,
  assertCapabilities,
  checkBatchSize,
  checkInput,
  defaultBatchSize,
  forEachBatch,
  gatherRows,
  OptionError,
  objectiveForRows,
  objectiveName,
  reduceChannels,
  resolveTargets,
  rowSize,
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

/** A gradient method whose options default to `defaults`. */
export function gradientMethod(defaults: GradientOptions = {}, id = 'gradient'): Method<GradientOptions> {
  return {
    id,
    requires: ['inputGradients'],
    async attribute(model: Model, input: TensorData, options: GradientOptions & CommonOptions = {}): Promise<Attribution> {
      const variant = checkVariant(options.variant ?? defaults.variant ?? 'absolute');
      const channelReduction = options.channelReduction ?? defaults.channelReduction;
      if (model.layout === 'tokens') {
        throw new OptionError('Token ids have no gradient; use @salience/token-saliency, which differentiates the embeddings.');
      }
      assertCapabilities(model, this.requires, `The '${id}' method`);
      checkInput(model, input);
      const { signal } = options;
      const size = rowSize(input);
      const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
      const { examples, targets } = await resolveTargets(model, input, options.target, signal, { batchSize });
      const rows = examples.length;
      const sameRows = rows === input.shape[0] && examples.every((e, i) => e === i);
      const values = new Float32Array(rows * size);
      let modelCalls = 0;

      await forEachBatch(
        rows,
        batchSize,
        async (start, end) => {
          const batch = sameRows
            ? { data: input.data.subarray(start * size, end * size), shape: [end - start, ...input.shape.slice(1)] }
            : gatherRows(input, examples.subarray(start, end));
          const { inputGradients } = await model.run({
            input: batch,
            outputs: ['inputGradients'],
            target: targets.subarray(start, end),
            objective: objectiveForRows(options.objective, examples.subarray(start, end)),
            signal,
          });
          modelCalls++;
          writeVariant(variant, inputGradients.data, batch.data, values.subarray(start * size, end * size));
        },
        { signal, onProgress: options.onProgress },
      );

      let result: TensorData = { data: values, shape: [rows, ...input.shape.slice(1)] };
      if (channelReduction) result = reduceChannels(result, model.layout, channelReduction);
      return {
        method: id,
        values: result,
        layout: channelReduction ? 'NHW' : model.layout,
        examples,
        targets,
        meta: { variant, channelReduction: channelReduction ?? null, objective: objectiveName(options.objective), batchSize, modelCalls },
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
      for (let i = 0; i < out.length; i++) out[i] = Math.abs(gradient[i]);
      return;
    case 'input-x-gradient':
      for (let i = 0; i < out.length; i++) out[i] = input[i] * gradient[i];
      return;
  }
}

/** |gradient| by default; `variant` and `channelReduction` change it per call. */
export const gradient: Method<GradientOptions> = gradientMethod();

/** Gradient x input (Captum's InputXGradient). */
export const inputXGradient: Method<GradientOptions> = gradientMethod({ variant: 'input-x-gradient' }, 'input-x-gradient');
