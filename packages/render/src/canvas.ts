import { OptionError } from '@salience/core';
import { assertImage, type RgbaImage } from './image.js';

/** Anything `drawToCanvas` can paint on. */
export type CanvasTarget = HTMLCanvasElement | OffscreenCanvas | CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * The image as a DOM `ImageData` (sharing its pixels) where the global `ImageData` exists;
 * elsewhere (Node, workers without it) a plain object of the same shape.
 */
export function toImageData(image: RgbaImage): ImageData {
  assertImage(image);
  const Ctor = (globalThis as { ImageData?: typeof ImageData }).ImageData;
  // ImageData accepts only pixels backed by a plain ArrayBuffer.
  const data = (image.data.buffer instanceof ArrayBuffer ? image.data : new Uint8ClampedArray(image.data)) as Uint8ClampedArray<ArrayBuffer>;
  if (Ctor !== undefined) return new Ctor(data, image.width, image.height);
  return { width: image.width, height: image.height, data, colorSpace: 'srgb' } as ImageData;
}

export interface DrawOptions {
  /** Top-left corner on the canvas; default (0, 0). */
  readonly x?: number;
  readonly y?: number;
  /** When given a canvas, set its size to the image's first; default true. Ignored for a context. */
  readonly resizeCanvas?: boolean;
}

/** Paints the image on a canvas (or a 2D context) with `putImageData`; returns the context. */
export function drawToCanvas(target: CanvasTarget, image: RgbaImage, options: DrawOptions = {}): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D {
  const { x = 0, y = 0, resizeCanvas = true } = options;
  let context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if ('putImageData' in target) {
    context = target;
  } else if (target && typeof (target as HTMLCanvasElement).getContext === 'function') {
    if (resizeCanvas) {
      target.width = image.width;
      target.height = image.height;
    }
    context = target.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  } else {
    throw new OptionError('drawToCanvas needs a canvas (HTMLCanvasElement, OffscreenCanvas) or its 2D context.');
  }
  if (!context) throw new OptionError('Could not get a 2D context from the canvas: it may already have a WebGL context.');
  context.putImageData(toImageData(image), x, y);
  return context;
}
