import { CapabilityError, type LayerInfo, OptionError, UnknownLayerError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { chooseLayer } from './layer-choice.js';

const layer = (name: string, kind: string, outputShape: (number | null)[], spatial: boolean): LayerInfo => ({ name, kind, outputShape, spatial });

const tfjsLike: LayerInfo[] = [
  layer('input', 'InputLayer', [null, 28, 28, 1], true),
  layer('c1', 'Conv2D', [null, 28, 28, 8], true),
  layer('p1', 'MaxPooling2D', [null, 14, 14, 8], true),
  layer('c2', 'DepthwiseConv2D', [null, 14, 14, 8], true),
  layer('r2', 'Activation', [null, 14, 14, 8], true),
  layer('p2', 'MaxPooling2D', [null, 7, 7, 8], true),
  layer('gap', 'GlobalAveragePooling2D', [null, 8], false),
  layer('fc', 'Dense', [null, 10], false),
];

describe('automatic layer choice', () => {
  it('takes the last convolution even when other spatial layers follow it', () => {
    expect(chooseLayer(tfjsLike, undefined)).toEqual({ info: tfjsLike[3], chosen: 'auto' });
  });

  it("recognises ONNX 'Conv' nodes", () => {
    const onnxLike = [
      layer('/c1/Conv', 'Conv', [null, 8, 28, 28], true),
      layer('/Relu', 'Relu', [null, 8, 28, 28], true),
      layer('/c2/Conv', 'Conv', [null, 16, 14, 14], true),
      layer('/Relu_1', 'Relu', [null, 16, 14, 14], true),
      layer('/fc/Gemm', 'Gemm', [null, 10], false),
    ];
    expect(chooseLayer(onnxLike, undefined).info.name).toBe('/c2/Conv');
  });

  it('falls back to the last spatial layer when there is no convolution', () => {
    const layers = [layer('a', 'Lambda', [null, 8, 8, 4], true), layer('b', 'Custom', [null, 4, 4, 4], true), layer('fc', 'Dense', [null, 3], false)];
    expect(chooseLayer(layers, undefined)).toEqual({ info: layers[1], chosen: 'auto' });
  });

  it('skips layers marked spatial whose output is not a 4-D map', () => {
    const layers = [layer('conv', 'Conv2D', [null, 8, 8, 4], true), layer('conv1d', 'Conv1D', [null, 8, 4], true)];
    expect(chooseLayer(layers, undefined).info.name).toBe('conv');
  });

  it('fails with a CapabilityError that lists the layers when none is spatial', () => {
    const layers = [layer('l1', 'Dense', [null, 16], false), layer('l2', 'Dense', [null, 3], false)];
    const error = captureError(() => chooseLayer(layers, undefined));
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as CapabilityError).code).toBe('MISSING_CAPABILITY');
    expect(error.message).toContain('l1 (Dense, [?, 16])');
    expect(error.message).toContain('l2 (Dense, [?, 3])');
    expect(error.message).toMatch(/gradient/);
    expect(() => chooseLayer([], undefined)).toThrow(/its layers: none/);
  });
});

describe('a named layer', () => {
  it('is used as given', () => {
    expect(chooseLayer(tfjsLike, 'c1')).toEqual({ info: tfjsLike[1], chosen: 'given' });
    expect(chooseLayer(tfjsLike, 'p2').info.kind).toBe('MaxPooling2D');
  });

  it('may be given by one of its aliases (an ONNX tensor name), and is then used under its name', () => {
    const onnx: LayerInfo[] = [{ name: 'c3', kind: 'Conv', outputShape: [null, 16, 7, 7], spatial: true, channelAxis: 1, aliases: ['/c3/Conv_output_0'] }];
    expect(chooseLayer(onnx, '/c3/Conv_output_0')).toEqual({ info: onnx[0], chosen: 'given' });
  });

  it('must exist: UnknownLayerError names what does', () => {
    const error = captureError(() => chooseLayer(tfjsLike, 'conv9'));
    expect(error).toBeInstanceOf(UnknownLayerError);
    expect((error as UnknownLayerError).layer).toBe('conv9');
    expect((error as UnknownLayerError).available).toEqual(tfjsLike.map((l) => l.name));
  });

  it('must be spatial: OptionError names the spatial layers', () => {
    const error = captureError(() => chooseLayer(tfjsLike, 'fc'));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toContain('fc (Dense, [?, 10]) is not a spatial feature map');
    expect(error.message).toContain('input, c1, p1, c2, r2, p2');
  });

  it('must be a non-empty string', () => {
    expect(() => chooseLayer(tfjsLike, '')).toThrow(OptionError);
    expect(() => chooseLayer(tfjsLike, 3 as unknown as string)).toThrow(OptionError);
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
