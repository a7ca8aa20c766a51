import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  type Method,
  type MethodSpec,
  type Model,
  OptionError,
  type OutputName,
  objectiveName,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { type ChannelWeighting, classActivationMaps, type FeatureMapGeometry, featureMapGeometry } from './class-activation-map.js';
import { type ChosenLayer, chooseLayer } from './layer-choice.js';
import { minMaxInPlace } from './min-max.js';
import { checkUpsample, type MapResizer, mapResizer, type Upsample } from './resize.js';
import type { TokenGrid } from './token-grid.js';

/** 'layer': the map at the layer's own h x w; 'input': upsampled to the input's height and width. */
export type Resolution = 'layer' | 'input';

export const RESOLUTIONS: readonly Resolution[] = ['layer', 'input'];

/** 'none' keeps raw scores; 'min-max' scales each map to (v - min) / (max - min + 1e-8). */
export type MapNormalization = 'none' | 'min-max';

export const MAP_NORMALIZATIONS: readonly MapNormalization[] = ['none', 'min-max'];

export interface GradCamOptions {
  /**
   * A name from `model.layers()` whose output is a spatial feature map. Default: the last
   * convolution among the spatial layers, else the last spatial layer (named in `meta.layer`).
   */
  readonly layer?: string;
  /** Keep only the positive part of the map; default true (the paper). Captum's default is false. */
  readonly relu?: boolean;
  /** Default 'input': maps at the input's size, comparable with every other method. */
  readonly resolution?: Resolution;
  /** Interpolation for resolution 'input'; default 'bilinear' (align_corners=False). */
  readonly upsample?: Upsample;
  /** Default 'none' (raw scores). */
  readonly normalize?: MapNormalization;
}

/** The options a CAM method takes besides `CommonOptions`. */
export const GRAD_CAM_OPTION_KEYS: readonly (keyof GradCamOptions)[] = ['layer', 'relu', 'resolution', 'upsample', 'normalize'];

/** The map options of a CAM call, checked, with their defaults. */
export interface CamSettings {
  readonly relu: boolean;
  readonly resolution: Resolution;
  readonly upsample: Upsample;
  readonly normalize: MapNormalization;
}

/** Checks the map options shared by every CAM method (relu, resolution, upsample, normalize) over `defaults`. */
export function checkCamSettings(options: GradCamOptions, defaults: GradCamOptions): CamSettings {
  const relu = options.relu ?? defaults.relu ?? true;
  if (typeof relu !== 'boolean') throw new OptionError(`relu must be true or false; got ${JSON.stringify(relu)}.`);
  const resolution = options.resolution ?? defaults.resolution ?? 'input';
  if (!RESOLUTIONS.includes(resolution)) {
    throw new OptionError(`Unknown resolution '${resolution}'; use 'layer' (the layer's own size) or 'input' (upsampled to the input).`);
  }
  if (resolution === 'layer' && options.upsample !== undefined) {
    throw new OptionError(`upsample ('${options.upsample}') only applies with resolution 'input'; drop it or set resolution: 'input'.`);
  }
  const upsample = checkUpsample(options.upsample ?? defaults.upsample ?? 'bilinear');
  const normalize = options.normalize ?? defaults.normalize ?? 'none';
  if (!MAP_NORMALIZATIONS.includes(normalize)) {
    throw new OptionError(`Unknown normalize '${normalize}'; use one of ${MAP_NORMALIZATIONS.join(', ')}.`);
  }
  return { relu, resolution, upsample, normalize };
}

/** The opening spec of every CAM (Grad-CAM and camMethod's variants): image layouts only, and the CAM's own `check`. */
export function camSpec(id: string, requires: readonly OutputName[], optionKeys: readonly string[], model: Model, check: () => void): MethodSpec {
  return {
    id,
    requires,
    optionKeys,
    layouts: ['NCHW', 'NHWC'],
    layoutHint: `${id} explains image models (layout NCHW or NHWC); this model's layout is '${model.layout}'.`,
    check,
  };
}

/**
 * The meta every CAM reports, in this key order; `tokenGrid` only for camMethod's variants (a
 * token layer's grid, or null), so Grad-CAM's own meta keeps its keys.
 */
export function camMeta(
  layer: ChosenLayer,
  geometry: FeatureMapGeometry,
  settings: CamSettings,
  options: CommonOptions,
  batchSize: number,
  tokenGrid?: { readonly grid: TokenGrid | null },
): Record<string, unknown> {
  return {
    layer: layer.info.name,
    layerKind: layer.info.kind,
    layerChosen: layer.chosen,
    layerSize: [geometry.height, geometry.width],
    ...(tokenGrid ? { tokenGrid: tokenGrid.grid } : {}),
    channels: geometry.channels,
    relu: settings.relu,
    resolution: settings.resolution,
    upsample: settings.resolution === 'input' ? settings.upsample : null,
    normalize: settings.normalize,
    objective: objectiveName(options.objective),
    batchSize,
  };
}

/** Height and width of an image input in the model's layout. */
function inputSize(model: Model, input: TensorData): [number, number] {
  return model.layout === 'NCHW' ? [input.shape[2]!, input.shape[3]!] : [input.shape[1]!, input.shape[2]!];
}

function checkLayerOutputs(activations: TensorData, gradients: TensorData, rows: number, layer: string): void {
  const a = activations.shape;
  const g = gradients.shape;
  if (a.length !== 4 || a[0] !== rows || a.length !== g.length || a.some((d, i) => d !== g[i])) {
    throw new ShapeError(
      `The model returned activations [${a.join(', ')}] and gradients [${g.join(', ')}] for layer '${layer}' and a batch of ${rows}; both must be the same 4-D feature map with the batch first. Check the adapter's layer outputs.`,
    );
  }
}

/** A class activation map method: Grad-CAM or Grad-CAM++, with options defaulting to `defaults`. */
// Not built on camMethod (yet): that would widen the published options to CamOptions (tokenGrid),
// add `tokenGrid: null` to meta, change the layer-output error text and hold every layer map
// instead of resizing batch by batch. Worth doing as a deliberate API change, not a refactor.
export function gradCamMethod(weighting: ChannelWeighting, defaults: GradCamOptions = {}, id: string = weighting): Method<GradCamOptions> {
  return {
    id,
    requires: ['layerActivations', 'layerGradients'],
    optionKeys: GRAD_CAM_OPTION_KEYS,
    async attribute(model: Model, input: TensorData, options: GradCamOptions & CommonOptions = {}): Promise<Attribution> {
      const settings = checkCamSettings(options, defaults);
      let layer!: ChosenLayer;
      const call = await beginMethod(
        model,
        input,
        options,
        camSpec(id, this.requires, GRAD_CAM_OPTION_KEYS, model, () => {
          layer = chooseLayer(model.layers(), options.layer ?? defaults.layer);
        }),
      );
      const { examples, targets, batchSize } = call;
      const layerName = layer.info.name;
      const rows = examples.length;
      const channelsFirst = model.layout === 'NCHW';
      const [inputHeight, inputWidth] = inputSize(model, input);

      let geometry: FeatureMapGeometry | undefined;
      let outHeight = 0;
      let outWidth = 0;
      let values = new Float32Array(0);
      let layerMaps = new Float32Array(0);
      let resize: MapResizer | undefined;

      await call.forEachBatch(
        rows,
        async (start, end) => {
          const { layerActivations, layerGradients } = await call.run({
            input: call.mapInput(start, end),
            examples: examples.subarray(start, end),
            targets: targets.subarray(start, end),
            outputs: ['layerActivations', 'layerGradients'],
            layer: layerName,
          });
          checkLayerOutputs(layerActivations, layerGradients, end - start, layerName);
          const found = featureMapGeometry(layerActivations.shape, channelsFirst);
          if (!geometry) {
            geometry = found;
            const atInput = settings.resolution === 'input';
            outHeight = atInput ? inputHeight : found.height;
            outWidth = atInput ? inputWidth : found.width;
            values = new Float32Array(rows * outHeight * outWidth);
            if (atInput) {
              resize = mapResizer(found.height, found.width, outHeight, outWidth, settings.upsample);
              layerMaps = new Float32Array(Math.min(batchSize, rows) * found.height * found.width);
            }
          } else if (found.height !== geometry.height || found.width !== geometry.width || found.channels !== geometry.channels) {
            throw new ShapeError(`Layer '${layerName}' changed shape between batches ([${layerActivations.shape.join(', ')}]).`);
          }
          const outSize = outHeight * outWidth;
          const batchValues = values.subarray(start * outSize, end * outSize);
          if (resize) {
            const layerSize = geometry.height * geometry.width;
            classActivationMaps(layerActivations, layerGradients, geometry, weighting, settings.relu, layerMaps);
            for (let r = 0; r < end - start; r++) {
              resize(layerMaps.subarray(r * layerSize, (r + 1) * layerSize), batchValues.subarray(r * outSize, (r + 1) * outSize));
            }
          } else {
            classActivationMaps(layerActivations, layerGradients, geometry, weighting, settings.relu, batchValues);
          }
          if (settings.normalize === 'min-max') {
            for (let r = 0; r < end - start; r++) minMaxInPlace(batchValues.subarray(r * outSize, (r + 1) * outSize));
          }
        },
        options.onProgress,
      );

      return {
        method: id,
        values: { data: values, shape: [rows, outHeight, outWidth] },
        layout: 'NHW',
        examples,
        targets,
        meta: { ...camMeta(layer, geometry!, settings, options, batchSize), modelCalls: call.modelCalls },
      };
    },
  };
}

/** Grad-CAM (Selvaraju et al. 2017): channels weighted by the spatial mean of the gradient. */
export const gradCam: Method<GradCamOptions> = gradCamMethod('grad-cam');

/** Grad-CAM++ (Chattopadhay et al. 2018): channels weighted by relu(gradient) x alpha. */
export const gradCamPlusPlus: Method<GradCamOptions> = gradCamMethod('grad-cam++');
