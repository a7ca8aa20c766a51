import type { ExampleMap } from './example-map.js';

/** The mean of a group of maps: each map counts once, whatever its total mass. */
export interface MeanMap {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** Mean of the thumbnails (each sums to 1), so it sums to 1 too (0 for an empty group). */
  readonly map: Float32Array;
  /** Mean share of each region. */
  readonly shares: Readonly<Record<string, number>>;
}

/** Running sums behind a `MeanMap`. */
export class MeanMapSum {
  count = 0;
  height = 0;
  width = 0;
  private sum: Float64Array | undefined;
  private readonly shareSums = new Map<string, number>();

  add(map: ExampleMap): void {
    if (!this.sum) {
      this.height = map.thumbnailHeight;
      this.width = map.thumbnailWidth;
      this.sum = new Float64Array(map.thumbnail.length);
    } else if (map.thumbnailHeight !== this.height || map.thumbnailWidth !== this.width) {
      throw new RangeError(
        `Maps of ${map.thumbnailHeight} x ${map.thumbnailWidth} and ${this.height} x ${this.width} cannot be averaged together; audit one input size at a time.`,
      );
    }
    for (let i = 0; i < map.thumbnail.length; i++) this.sum[i]! += map.thumbnail[i]!;
    for (const [region, share] of Object.entries(map.shares)) this.shareSums.set(region, (this.shareSums.get(region) ?? 0) + share);
    this.count++;
  }

  shareSum(region: string): number {
    return this.shareSums.get(region) ?? 0;
  }

  mean(): MeanMap {
    const n = Math.max(1, this.count);
    const map = this.sum ? Float32Array.from(this.sum, (v) => v / n) : new Float32Array(0);
    const shares: Record<string, number> = {};
    for (const [region, sum] of this.shareSums) shares[region] = sum / n;
    return { count: this.count, height: this.height, width: this.width, map, shares };
  }
}
