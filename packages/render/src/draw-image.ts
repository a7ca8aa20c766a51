import type { RgbaImage } from './image.js';

/** Source-over compositing of `image` onto `target` with its top-left at (x, y); parts outside are skipped. */
export function drawImage(target: RgbaImage, image: RgbaImage, x: number, y: number): void {
  const src = image.data;
  const dst = target.data;
  for (let r = 0; r < image.height; r++) {
    const ty = y + r;
    if (ty < 0 || ty >= target.height) continue;
    for (let c = 0; c < image.width; c++) {
      const tx = x + c;
      if (tx < 0 || tx >= target.width) continue;
      const s = (r * image.width + c) * 4;
      const d = (ty * target.width + tx) * 4;
      const a = src[s + 3]! / 255;
      if (a === 1) {
        dst[d] = src[s]!;
        dst[d + 1] = src[s + 1]!;
        dst[d + 2] = src[s + 2]!;
        dst[d + 3] = 255;
        continue;
      }
      const under = dst[d + 3]! / 255;
      const outA = a + under * (1 - a);
      if (outA === 0) continue;
      for (let k = 0; k < 3; k++) dst[d + k] = Math.round((src[s + k]! * a + dst[d + k]! * under * (1 - a)) / outA);
      dst[d + 3] = Math.round(outA * 255);
    }
  }
}
