import { ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { resizeImage, resizeMap } from './resize.js';

// A 7 x 7 Grad-CAM map and values of the same map upsampled to 28 x 28 by PyTorch's
// F.interpolate(mode='bilinear', align_corners=False) (from the Captum fixtures, smallcnn row 1).
const CAM = [
  0.0008431688765995204, 0.0007330255466513336, 0.000725648133084178, 0.0007170658209361136, 0.0008164318860508502, 0.0008035202627070248, 0.0005853516049683094,
  0.0010771690867841244, 0.0009550953982397914, 0.0008949077455326915, 0.0009120400063693523, 0.0009413217776454985, 0.0008894823840819299, 0.0005508420872502029,
  0.001138597377575934, 0.0008752113790251315, 0.0007791287498548627, 0.000885132176335901, 0.0009704797994345427, 0.0008963546133600175, 0.00044690482900477946,
  0.0007669192855246365, 0.000856771890539676, 0.0005869375891052186, 0.0009315250208601356, 0.0009156224550679326, 0.00060659134760499, 0.00045312682050280273,
  0.0011828329879790545, 0.0009550118120387197, 0.0007821677718311548, 0.0007858118624426425, 0.0007729923818260431, 0.0010427339002490044, 0.0006274839397519827,
  0.0007840790785849094, 0.0008153229136951268, 0.0006050190422683954, 0.0008719089673832059, 0.0006044312031008303, 0.0007622976554557681, 0.00044235485256649554,
  0.0008575016399845481, 0.0006771510234102607, 0.0005682874470949173, 0.0006144174258224666, 0.0004133168840780854, 0.0006832065992057323, 0.00038736555143259466,
];
const TORCH_UPSAMPLED: [number, number, number][] = [
  [0, 0, 0.0008431688765995204],
  [0, 1, 0.0008431688765995204],
  [0, 27, 0.0005853516049683094],
  [1, 2, 0.0008294009603559971],
  [3, 3, 0.0008879374945536256],
  [5, 17, 0.0009209552663378417],
  [13, 14, 0.0009253201424144208],
  [20, 6, 0.0008431742317043245],
  [26, 26, 0.00038736555143259466],
  [27, 0, 0.0008575016399845481],
  [27, 27, 0.00038736555143259466],
  [14, 27, 0.0004749214567709714],
];

describe('resizeMap', () => {
  it("matches PyTorch's bilinear interpolation (align_corners=False)", () => {
    const up = resizeMap(tensor(CAM, [7, 7]), 28, 28, 'bilinear');
    expect(up.shape).toEqual([28, 28]);
    for (const [y, x, expected] of TORCH_UPSAMPLED) expect(Math.abs(up.data[y * 28 + x]! - expected)).toBeLessThan(1e-9);
  });

  it('interpolates between pixel centres and clamps at the edges', () => {
    const up = resizeMap(tensor([0, 4], [1, 2]), 4, 1);
    // Source x = (dst + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped to [0, 1].
    expect(Array.from(up.data)).toEqual([0, 1, 3, 4]);
    const down = resizeMap(tensor([0, 1, 2, 3], [1, 4]), 2, 1);
    expect(Array.from(down.data)).toEqual([0.5, 2.5]);
  });

  it('copies the source pixel floor(dst * in / out) for nearest', () => {
    const map = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(resizeMap(map, 6, 2, 'nearest').data)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(Array.from(resizeMap(map, 2, 1, 'nearest').data)).toEqual([1, 2]);
  });

  it('accepts [1, 1, H, W] maps and keeps values at the same size', () => {
    const same = resizeMap(tensor([1, 2, 3, 4], [1, 1, 2, 2]), 2, 2);
    expect(Array.from(same.data)).toEqual([1, 2, 3, 4]);
  });

  it('rejects batches, empty targets and unknown modes', () => {
    expect(() => resizeMap(tensor([1, 2], [2, 1, 1]), 2, 2)).toThrow(ShapeError);
    expect(() => resizeMap(tensor([1], [1, 1]), 0, 2)).toThrow(ShapeError);
    expect(() => resizeMap(tensor([1], [1, 1]), 2, 2, 'cubic' as never)).toThrow(/nearest/);
  });
});

describe('resizeImage', () => {
  it('scales pixels up crisply by default', () => {
    const image = { width: 2, height: 1, data: Uint8ClampedArray.of(10, 20, 30, 255, 200, 100, 0, 128) };
    const big = resizeImage(image, 4, 2);
    expect(big.width).toBe(4);
    expect(Array.from(big.data.slice(0, 16))).toEqual([10, 20, 30, 255, 10, 20, 30, 255, 200, 100, 0, 128, 200, 100, 0, 128]);
    expect(Array.from(big.data.slice(16))).toEqual(Array.from(big.data.slice(0, 16)));
    const smooth = resizeImage(image, 1, 1, 'bilinear');
    expect(Array.from(smooth.data)).toEqual([105, 60, 15, 192]);
  });
});
