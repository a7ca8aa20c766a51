import { OptionError, ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { colormap } from './colormap.js';
import type { RgbaImage } from './image.js';
import { overlay } from './overlay.js';

// Two pixels: an opaque one and a half-transparent one.
const base: RgbaImage = { width: 2, height: 1, data: Uint8ClampedArray.of(100, 50, 200, 255, 10, 20, 30, 128) };

describe('overlay', () => {
  it('blends the colour-mapped map over the image with the given opacity', () => {
    const out = overlay(base, tensor([0, 1], [1, 2]), { colormap: 'gray', opacity: 0.5 });
    // (100, 50, 200) * 0.5 + black * 0.5; (10, 20, 30) * 0.5 + white * 0.5, rounded half up; alpha kept.
    expect(Array.from(out.data)).toEqual([50, 25, 100, 255, 133, 138, 143, 128]);
    expect(Array.from(base.data)).toEqual([100, 50, 200, 255, 10, 20, 30, 128]);
  });

  it('defaults to opacity 0.5 over inferno', () => {
    const out = overlay(base, tensor([1, 1], [1, 2]));
    const [r, g, b] = colormap('inferno')(1);
    expect(Array.from(out.data.slice(0, 4))).toEqual([Math.round(50 + r / 2), Math.round(25 + g / 2), Math.round(100 + b / 2), 255]);
  });

  it('leaves pixels below the threshold untouched', () => {
    const out = overlay(base, tensor([0.2, 0.9], [1, 2]), { colormap: 'gray', opacity: 1, threshold: 0.5 });
    expect(Array.from(out.data.slice(0, 4))).toEqual([100, 50, 200, 255]);
    expect(Array.from(out.data.slice(4))).toEqual([230, 230, 230, 128]);
  });

  it('scales the opacity by the magnitude when asked, using |v| on diverging maps', () => {
    const gray = overlay(base, tensor([0.5, 0], [1, 2]), { colormap: 'gray', opacity: 0.5, opacityByValue: true });
    // alpha = 0.25: 100 * 0.75 + 128 * 0.25 = 107; a zero leaves the pixel as it was.
    expect(Array.from(gray.data)).toEqual([107, 70, 182, 255, 10, 20, 30, 128]);
    const signed = overlay(base, tensor([-1, 0], [1, 2]), { colormap: 'blue-white-red', opacity: 0.5, opacityByValue: true });
    expect(Array.from(signed.data.slice(0, 3))).toEqual([53, 49, 149]);
    expect(Array.from(signed.data.slice(4))).toEqual([10, 20, 30, 128]);
  });

  it('can draw the base in gray, as Captum does', () => {
    const out = overlay(base, tensor([0, 0], [1, 2]), { colormap: 'gray', opacity: 0, grayscale: true });
    expect(Array.from(out.data)).toEqual([117, 117, 117, 255, 20, 20, 20, 128]);
  });

  it('resizes the map to the image', () => {
    const big: RgbaImage = { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(0) };
    const out = overlay(big, tensor([1], [1, 1]), { colormap: 'gray', opacity: 1 });
    expect(Array.from(out.data)).toEqual([255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0]);
  });

  it('raises opacity by |v|^gamma with opacityByValue', () => {
    const black: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255]) };
    const at = (gamma: number) => overlay(black, tensor([0.25], [1, 1]), { colormap: 'gray', opacity: 1, opacityByValue: true, gamma }).data[0];
    // gray(0.25) = 64; a = 0.25 (linear) or 0.5 (gamma 0.5).
    expect(at(1)).toBe(Math.round(64 * 0.25));
    expect(at(0.5)).toBe(Math.round(64 * 0.5));
  });

  it('rejects bad options and malformed images', () => {
    const map = tensor([0, 0], [1, 2]);
    expect(() => overlay(base, map, { gamma: 0 })).toThrow(OptionError);
    expect(() => overlay(base, map, { opacity: 1.5 })).toThrow(OptionError);
    expect(() => overlay(base, map, { threshold: -1 })).toThrow(OptionError);
    expect(() => overlay({ width: 2, height: 2, data: new Uint8ClampedArray(3) }, map)).toThrow(ShapeError);
  });
});
