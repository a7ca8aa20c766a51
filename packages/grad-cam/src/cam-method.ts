import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  gatherRows,
  type LayerInfo,
  type Method,
  type MethodCall,
  type Model,
  OptionError,
  type OutputName,
  rowSize,
  ShapeError,
  TargetError,
  type TensorData,
} from '@salience/core';
import { type FeatureMapGeometry, featureMapGeometry } from './class-activation-map.js';
import { camMeta, camSpec, checkCamSettings } from './grad-cam.js';
import { type ChosenLayer, chooseLayer } from './layer-choice.js';
import { minMaxInPlace } from './min-max.js';
import { mapResizer, type Upsample } from './resize.js';
import { type TokenGrid, type TokenGridOption, tokenGrid, tokensToFeatureMap } from './token-grid.js';

/** The options of every CAM-family method, with Grad-CAM's meanings and defaults. */
export interface CamOptions {
  /** A name from `model.layers()` whose output is a spatial feature map; default: the last convolution. */
  readonly layer?: string;
  /** Keep only the positive part of the map; default true (pytorch-grad-cam always does). */
  readonly relu?: boolean;
  /** 'layer': the layer's own h x w; 'input' (default): upsampled to the input's height and width. */
  readonly resolution?: 'layer' | 'input';
  /** Interpolation for resolution 'input'; default 'bilinear' (align_corners=False, as OpenCV's resize). */
  readonly upsample?: Upsample;
  /** 'none' (default): raw scores; 'min-max': each map to (v - min) / (max - min + 1e-8). */
  readonly normalize?: 'none' | 'min-max';
  /**
   * For a token layer [batch, tokens, channels] (ViT, DeiT, Swin): how the tokens lie on the image.
   * Default: a square grid after 1, 0 or 2 prefix tokens, where only one of them fits.
   */
  readonly tokenGrid?: TokenGridOption;
}

/** What a CAM method's own step receives: the opened call, its (example, class) pairs and the layer. */
export interface LayerMapRequest {
  /** The call after core's opening checks: `call.run` counts model calls and carries context rows and the signal. */
  readonly call: MethodCall;
  readonly model: Model;
  readonly input: TensorData;
  /** Input row of each map. */
  readonly examples: Int32Array;
  /** Class of each map. */
  readonly targets: Int32Array;
  readonly layer: string;
  readonly batchSize: number;
  /** Whether the layer's feature map (after `featureMap`) has its channels at axis 1. */
  readonly channelsFirst: boolean;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  /**
   * The layer's output as a 4-D feature map: itself for a spatial layer; for a token layer, the
   * tokens on their grid, channels last. Apply it to activations and gradients before anything else.
   */
  featureMap(t: TensorData): TensorData;
}

/** One map per pair at the layer's resolution, before any ReLU. */
export interface LayerMaps {
  readonly maps: Float32Array;
  readonly geometry: FeatureMapGeometry;
  /** Method facts for `meta` (e.g. masked passes). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** A CAM variant: what it needs from the model and how it makes the maps at the layer. */
export interface CamSpec {
  readonly id: string;
  readonly requires: readonly OutputName[];
  /** The variant's own checks of the model and the chosen layer, before any model call. */
  check?(model: Model, layer: LayerInfo): void;
  layerMaps(request: LayerMapRequest): Promise<LayerMaps>;
}

/** The options every CAM-family method accepts besides the common ones; any other name is an OptionError. */
export const CAM_OPTION_KEYS: readonly (keyof CamOptions)[] = ['layer', 'relu', 'resolution', 'upsample', 'normalize', 'tokenGrid'];

/** Checks that a layer's output is a 4-D map with `rows` rows, and reads its geometry. */
export function layerGeometry(t: TensorData, rows: number, layer: string, channelsFirst: boolean): FeatureMapGeometry {
  if (t.shape.length !== 4 || t.shape[0] !== rows) {
    throw new ShapeError(`The model returned [${t.shape.join(', ')}] for layer '${layer}' and a batch of ${rows}; a CAM needs a 4-D feature map with the batch first.`);
  }
  return featureMapGeometry(t.shape, channelsFirst);
}

/** Forward-only CAMs never pass a target to the model, so they check the classes against the logits themselves. */
export function checkTargetClasses(targets: Int32Array, logits: TensorData): void {
  const classes = logits.shape[1]!;
  targets.forEach((t, p) => {
    if (t >= classes) throw new TargetError(`Target ${t} (map ${p}) does not exist: the model has ${classes} classes (0..${classes - 1}).`);
  });
}

/** The rows of `input` that pairs start..end explain, without a copy when they are consecutive. */
export function pairRows(input: TensorData, examples: Int32Array, start: number, end: number): TensorData {
  const size = rowSize(input);
  const e0 = examples[start]!;
  let consecutive = true;
  for (let i = start; i < end; i++) if (examples[i] !== e0 + i - start) consecutive = false;
  return consecutive
    ? { data: input.data.subarray(e0 * size, (e0 + end - start) * size), shape: [end - start, ...input.shape.slice(1)] }
    : gatherRows(input, examples.subarray(start, end));
}

/**
 * For gradient CAMs: one activations-and-gradients call per batch of pairs, and `combine` turns
 * each batch's layer activations and gradients into maps at the layer (written into `out`).
 */
export async function gradientLayerMaps(
  request: LayerMapRequest,
  combine: (activations: TensorData, gradients: TensorData, geometry: FeatureMapGeometry, out: Float32Array) => void,
): Promise<LayerMaps> {
  const { call, examples, targets, layer, channelsFirst } = request;
  const rows = examples.length;
  let geometry: FeatureMapGeometry | undefined;
  let maps = new Float32Array(0);
  await call.forEachBatch(
    rows,
    async (start, end) => {
      const outputs = await call.run({
        input: call.mapInput(start, end),
        examples: examples.subarray(start, end),
        targets: targets.subarray(start, end),
        outputs: ['layerActivations', 'layerGradients'],
        layer,
      });
      const layerActivations = request.featureMap(outputs.layerActivations);
      const layerGradients = request.featureMap(outputs.layerGradients);
      const found = layerGeometry(layerActivations, end - start, layer, channelsFirst);
      if (layerGradients.shape.length !== 4 || layerGradients.shape.some((d, i) => d !== layerActivations.shape[i])) {
        throw new ShapeError(`Layer '${layer}' gave activations [${layerActivations.shape.join(', ')}] but gradients [${layerGradients.shape.join(', ')}]; they must match.`);
      }
      if (!geometry) {
        geometry = found;
        maps = new Float32Array(rows * found.height * found.width);
      } else if (found.height !== geometry.height || found.width !== geometry.width || found.channels !== geometry.channels) {
        throw new ShapeError(`Layer '${layer}' changed shape between batches ([${layerActivations.shape.join(', ')}]).`);
      }
      const positions = found.height * found.width;
      combine(layerActivations, layerGradients, found, maps.subarray(start * positions, end * positions));
    },
    request.onProgress,
  );
  return { maps, geometry: geometry! };
}

/**
 * Makes a method of a CAM variant: checks options, chooses the layer, resolves targets, lets the
 * variant make its maps at the layer, then applies ReLU, upsampling and normalisation as Grad-CAM does.
 */
export function camMethod(spec: CamSpec, defaults: CamOptions = {}): Method<CamOptions> {
  const { id } = spec;
  return {
    id,
    requires: spec.requires,
    optionKeys: CAM_OPTION_KEYS,
    async attribute(model: Model, input: TensorData, options: CamOptions & CommonOptions = {}): Promise<Attribution> {
      const settings = checkCamSettings(options, defaults);
      let layer!: ChosenLayer;
      let tokenLayer = false;
      let grid: TokenGrid | undefined;
      const call = await beginMethod(
        model,
        input,
        options,
        camSpec(id, spec.requires, CAM_OPTION_KEYS, model, () => {
          const named = options.layer ?? defaults.layer;
          const tokens = named === undefined ? undefined : model.layers().find((l) => (l.name === named || l.aliases?.includes(named)) && l.outputShape.length === 3);
          tokenLayer = tokens !== undefined;
          layer = tokens ? { info: tokens, chosen: 'given' } : chooseLayer(model.layers(), named);
          if (!tokens && options.tokenGrid !== undefined) {
            throw new OptionError(`tokenGrid only applies to a token layer [batch, tokens, channels]; layer '${layer.info.name}' is a feature map.`);
          }
          if (tokens && typeof tokens.outputShape[1] === 'number') grid = tokenGrid(tokens.outputShape[1], options.tokenGrid);
          spec.check?.(model, layer.info);
        }),
      );
      const featureMap = (t: TensorData): TensorData => {
        if (!tokenLayer) return t;
        if (t.shape.length !== 3) throw new ShapeError(`Layer '${layer.info.name}' gave [${t.shape.join(', ')}]; a token layer's output is [batch, tokens, channels].`);
        grid ??= tokenGrid(t.shape[1]!, options.tokenGrid);
        return tokensToFeatureMap(t, grid);
      };
      const { examples, targets, batchSize } = call;
      const channelsFirst = model.layout === 'NCHW' && !tokenLayer;
      const made = await spec.layerMaps({
        call,
        featureMap,
        model,
        input,
        examples,
        targets,
        layer: layer.info.name,
        batchSize,
        channelsFirst,
        onProgress: options.onProgress,
      });
      const { geometry } = made;
      const rows = examples.length;
      const layerSize = geometry.height * geometry.width;
      if (settings.relu) for (let i = 0; i < made.maps.length; i++) if (made.maps[i]! < 0) made.maps[i] = 0;
      const atInput = settings.resolution === 'input';
      const [outHeight, outWidth] = atInput ? (model.layout === 'NCHW' ? [input.shape[2], input.shape[3]] : [input.shape[1], input.shape[2]]) : [geometry.height, geometry.width];
      const outSize = outHeight! * outWidth!;
      let values = made.maps;
      if (atInput) {
        values = new Float32Array(rows * outSize);
        const resize = mapResizer(geometry.height, geometry.width, outHeight!, outWidth!, settings.upsample);
        for (let r = 0; r < rows; r++) resize(made.maps.subarray(r * layerSize, (r + 1) * layerSize), values.subarray(r * outSize, (r + 1) * outSize));
      }
      if (settings.normalize === 'min-max') for (let r = 0; r < rows; r++) minMaxInPlace(values.subarray(r * outSize, (r + 1) * outSize));
      return {
        method: id,
        values: { data: values, shape: [rows, outHeight!, outWidth!] },
        layout: 'NHW',
        examples,
        targets,
        meta: {
          ...camMeta(layer, geometry, settings, options, batchSize, { grid: grid ?? null }),
          ...made.meta,
          modelCalls: call.modelCalls,
        },
      };
    },
  };
}
