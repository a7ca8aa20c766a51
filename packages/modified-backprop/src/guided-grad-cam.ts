import {
  type Attribution,
  assertCapabilities,
  type CommonOptions,
  channelAxis,
  checkOptionKeys,
  type Method,
  type Model,
  OptionError,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { assertBackwardRules } from './backward-capability.js';
import { guidedBackprop } from './modified-relu.js';

export interface GuidedGradCamOptions {
  /** The Grad-CAM layer, a name from `model.layers()`; default: Grad-CAM's own choice (the last convolution). */
  readonly layer?: string;
  /** How the Grad-CAM map is brought to the input's size; default 'nearest' (Captum's GuidedGradCam). */
  readonly upsample?: 'nearest' | 'bilinear';
}

const OPTION_KEYS: readonly (keyof GuidedGradCamOptions)[] = ['layer', 'upsample'];

/**
 * Guided Grad-CAM (Selvaraju et al. 2017; Captum's GuidedGradCam): the Guided Backprop map times the
 * Grad-CAM map (ReLU applied) upsampled to the input, broadcast over the channels. Two backward
 * passes per map: one with the guided ReLU rule, one plain to the layer.
 */
export const guidedGradCam: Method<GuidedGradCamOptions> = {
  id: 'guided-grad-cam',
  requires: ['inputGradients', 'layerActivations', 'layerGradients'],
  optionKeys: OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: GuidedGradCamOptions & CommonOptions = {}): Promise<Attribution> {
    checkOptionKeys(options, OPTION_KEYS, "The 'guided-grad-cam' method");
    assertCapabilities(model, guidedGradCam.requires, "The 'guided-grad-cam' method");
    assertBackwardRules(model, ['guided'], 'guided-grad-cam');
    const { layer, upsample = 'nearest', onProgress, ...common } = options;
    if (model.layout !== 'NCHW' && model.layout !== 'NHWC') {
      throw new OptionError(`'guided-grad-cam' explains image models (NCHW or NHWC); this model's layout is '${model.layout}'.`);
    }
    if (upsample !== 'nearest' && upsample !== 'bilinear') throw new OptionError(`upsample must be 'nearest' or 'bilinear'; got ${JSON.stringify(upsample)}.`);
    // Grad-CAM first: it checks the layer and the capabilities it needs before the guided pass runs.
    const cam = await gradCam.attribute(model, input, { ...common, layer, relu: true, resolution: 'input', upsample, onProgress: onProgress && ((d, t) => onProgress(d, 2 * t)) });
    const guided = await guidedBackprop.attribute(model, input, { ...common, onProgress: onProgress && ((d, t) => onProgress(t + d, 2 * t)) });
    if (guided.targets.length !== cam.targets.length || guided.targets.some((t, i) => t !== cam.targets[i])) {
      throw new OptionError('guided-grad-cam: Guided Backprop and Grad-CAM resolved different targets (tied logits?); give the targets explicitly.');
    }
    const values = guided.values;
    const rank = values.shape.length;
    const axis = channelAxis(model.layout, rank);
    const channels = values.shape[axis]!;
    const inner = values.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const out = new Float32Array(values.data.length);
    const camData = cam.values.data;
    const pixels = camData.length / cam.examples.length;
    for (let i = 0; i < out.length; i++) {
      // Index of the pixel (the map's position without the channel) for either layout.
      const row = Math.floor(i / (channels * pixels));
      const within = i - row * channels * pixels;
      const pixel = axis === 1 ? within % inner : Math.floor(within / channels);
      out[i] = values.data[i]! * camData[row * pixels + pixel]!;
    }
    return {
      method: 'guided-grad-cam',
      values: { data: out, shape: [...values.shape] },
      layout: model.layout as ValuesLayout,
      examples: guided.examples,
      targets: guided.targets,
      meta: { layer: cam.meta.layer ?? null, upsample, objective: guided.meta.objective, modelCalls: Number(cam.meta.modelCalls ?? 0) + Number(guided.meta.modelCalls ?? 0) },
    };
  },
};
