import { OptionError } from '@salience/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drawToCanvas, toImageData } from './canvas.js';

const image = { width: 2, height: 1, data: Uint8ClampedArray.of(1, 2, 3, 4, 5, 6, 7, 8) };

/** Records what a 2D context is asked to draw. */
function fakeContext() {
  const calls: [ImageData, number, number][] = [];
  const context = { putImageData: (data: ImageData, x: number, y: number) => calls.push([data, x, y]) };
  return { context: context as unknown as CanvasRenderingContext2D, calls };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('toImageData', () => {
  it('returns a plain ImageData-shaped object where the DOM has none', () => {
    expect((globalThis as { ImageData?: unknown }).ImageData).toBeUndefined();
    const data = toImageData(image);
    expect(data.width).toBe(2);
    expect(data.height).toBe(1);
    expect(data.data).toBe(image.data);
  });

  it('builds the global ImageData when present', () => {
    class FakeImageData {
      constructor(
        readonly data: Uint8ClampedArray,
        readonly width: number,
        readonly height: number,
      ) {}
    }
    vi.stubGlobal('ImageData', FakeImageData);
    const data = toImageData(image);
    expect(data).toBeInstanceOf(FakeImageData);
    expect(Array.from(data.data)).toEqual(Array.from(image.data));
  });
});

describe('drawToCanvas', () => {
  it('puts the pixels on a 2D context at the given place', () => {
    const { context, calls } = fakeContext();
    expect(drawToCanvas(context, image, { x: 3, y: 4 })).toBe(context);
    expect(calls).toHaveLength(1);
    expect(calls[0]![1]).toBe(3);
    expect(calls[0]![2]).toBe(4);
    expect(Array.from(calls[0]![0].data)).toEqual(Array.from(image.data));
  });

  it('sizes a canvas to the image and draws on its 2D context', () => {
    const { context, calls } = fakeContext();
    const asked: string[] = [];
    const canvas = {
      width: 300,
      height: 150,
      getContext: (kind: string) => {
        asked.push(kind);
        return context;
      },
    } as unknown as HTMLCanvasElement;
    drawToCanvas(canvas, image);
    expect(asked).toEqual(['2d']);
    expect(canvas.width).toBe(2);
    expect(canvas.height).toBe(1);
    expect(calls).toHaveLength(1);
    const kept = { width: 300, height: 150, getContext: () => context } as unknown as HTMLCanvasElement;
    drawToCanvas(kept, image, { resizeCanvas: false });
    expect(kept.width).toBe(300);
  });

  it('explains a missing context or a wrong target', () => {
    const canvas = { width: 1, height: 1, getContext: () => null } as unknown as HTMLCanvasElement;
    expect(() => drawToCanvas(canvas, image)).toThrow(OptionError);
    expect(() => drawToCanvas({} as HTMLCanvasElement, image)).toThrow(OptionError);
  });
});
