import { CapabilityError, type LayerInfo, OptionError, UnknownLayerError } from '@salience/core';

/** The layer that Grad-CAM reads, and whether the caller named it or it was found. */
export interface ChosenLayer {
  readonly info: LayerInfo;
  readonly chosen: 'given' | 'auto';
}

// Convolution kinds in tfjs-layers ('Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose')
// and ONNX ('Conv', 'ConvTranspose', 'QLinearConv'): their outputs are the feature maps Grad-CAM was made for.
const CONVOLUTION_KIND = /conv/i;

/** A map with a batch, two spatial axes and a channel axis. */
function isFeatureMap(layer: LayerInfo): boolean {
  return layer.spatial && layer.outputShape.length === 4;
}

function describe(layer: LayerInfo): string {
  return `${layer.name} (${layer.kind}, [${layer.outputShape.map((d) => d ?? '?').join(', ')}])`;
}

/**
 * The named layer, checked to be a 2-D feature map; or, when no name is given, the last
 * convolution among the spatial layers, else the last spatial layer.
 */
export function chooseLayer(layers: readonly LayerInfo[], name: string | undefined): ChosenLayer {
  const maps = layers.filter(isFeatureMap);
  if (name !== undefined) {
    if (typeof name !== 'string' || name === '') throw new OptionError(`layer must be a layer name from model.layers(); got ${JSON.stringify(name)}.`);
    const info = layers.find((l) => l.name === name || l.aliases?.includes(name));
    if (!info)
      throw new UnknownLayerError(
        name,
        layers.map((l) => l.name),
      );
    if (!isFeatureMap(info)) {
      const candidates = maps.length ? `Spatial layers of this model: ${maps.map((l) => l.name).join(', ')}.` : 'This model has no spatial layer.';
      throw new OptionError(
        `Layer ${describe(info)} is not a spatial feature map [batch, h, w, channels]; Grad-CAM needs one (the output of a convolution, usually). ${candidates}`,
      );
    }
    return { info, chosen: 'given' };
  }
  const convolutions = maps.filter((l) => CONVOLUTION_KIND.test(l.kind));
  const info = convolutions.at(-1) ?? maps.at(-1);
  if (!info) {
    const shown = layers.slice(0, 40).map(describe).join(', ');
    const listed = layers.length === 0 ? 'none' : layers.length > 40 ? `${shown}, ... (${layers.length - 40} more)` : shown;
    throw new CapabilityError(
      `Grad-CAM needs a layer whose output is a spatial feature map, and this model has none (its layers: ${listed}). Use an input-gradient method such as gradient or integrated gradients instead.`,
      ['spatial layer'],
    );
  }
  return { info, chosen: 'auto' };
}
