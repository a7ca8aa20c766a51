import { describe, expect, it } from 'vitest';
import { PLANTED_SHAPES, plantedShapes } from './planted-shapes.js';

describe('planted-evidence images', () => {
  it('plants one shape of value 1 per image, in the box its mask marks, on noise below the noise level', () => {
    const data = plantedShapes({ count: 12, seed: 3 });
    expect(data.input.shape).toEqual([12, 24, 24, 1]);
    expect(data.masks.shape).toEqual([12, 24, 24]);
    expect(Array.from(data.labels)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(data.shapes).toEqual(PLANTED_SHAPES);
    const wrong: string[] = [];
    for (let n = 0; n < 12; n++) {
      const image = data.input.data.subarray(n * 576, (n + 1) * 576);
      const mask = data.masks.data.subarray(n * 576, (n + 1) * 576);
      const [top, left] = [data.corners[2 * n], data.corners[2 * n + 1]];
      let ones = 0;
      for (let p = 0; p < 576; p++) {
        const [y, x] = [Math.floor(p / 24) - top!, (p % 24) - left!];
        const inBox = y >= 0 && y < 7 && x >= 0 && x < 7;
        if (mask[p] !== (inBox ? 1 : 0)) wrong.push(`mask ${n}:${p}`);
        if (image[p] === 1) ones++;
        if (image[p] === 1 && !inBox) wrong.push(`shape outside the box ${n}:${p}`);
        if (image[p] !== 1 && !(image[p]! >= 0 && image[p]! < 0.6)) wrong.push(`noise ${n}:${p} = ${image[p]}`);
      }
      if (ones < 7) wrong.push(`image ${n} has ${ones} shape pixels`);
    }
    expect(wrong).toEqual([]);
  });

  it('draws each class as its own shape', () => {
    const data = plantedShapes({ count: 4, seed: 0, noise: 0 });
    const pattern = (n: number) => {
      const [top, left] = [data.corners[2 * n], data.corners[2 * n + 1]];
      let s = '';
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) s += data.input.data[n * 576 + (top! + i) * 24 + left! + j] === 1 ? '#' : '.';
        s += '\n';
      }
      return s;
    };
    expect(pattern(0)).toBe('...#...\n...#...\n...#...\n#######\n...#...\n...#...\n...#...\n');
    expect(pattern(1)).toBe('#.....#\n.#...#.\n..#.#..\n...#...\n..#.#..\n.#...#.\n#.....#\n');
    expect(pattern(2)).toBe('#######\n#.....#\n#.....#\n#.....#\n#.....#\n#.....#\n#######\n');
    expect(pattern(3)).toBe('..###..\n.#####.\n#######\n#######\n#######\n.#####.\n..###..\n');
  });

  it('is seeded, lays images out as asked, and checks its options', () => {
    const a = plantedShapes({ count: 3, seed: 9, size: 16, shapeSize: 5, shapes: ['disc', 'cross'] });
    const b = plantedShapes({ count: 3, seed: 9, size: 16, shapeSize: 5, shapes: ['disc', 'cross'], layout: 'NCHW' });
    expect(b.input.shape).toEqual([3, 1, 16, 16]);
    expect(b.input.data).toEqual(a.input.data);
    expect(Array.from(a.labels)).toEqual([0, 1, 0]);
    expect(plantedShapes({ count: 3, seed: 10 }).input.data).not.toEqual(plantedShapes({ count: 3, seed: 9 }).input.data);
    for (const bad of [
      { count: 0 },
      { count: 2, shapeSize: 30 },
      { count: 2, noise: 1 },
      { count: 2, shapes: ['disc'] as const },
      { count: 2, shapes: ['disc', 'disc'] as const },
      { count: 2, layout: 'NTC' as never },
    ]) {
      expect(() => plantedShapes(bad)).toThrow(expect.objectContaining({ name: 'OptionError' }));
    }
  });
});
