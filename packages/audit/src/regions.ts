import { OptionError } from '@salience/core';

/**
 * A named set of positions of an image (height x width): a corner, the border band, the object's
 * box or what lies outside it. Shares of saliency are measured over these.
 */
export interface Region {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  /** 1 where the position belongs to the region, row-major. */
  readonly mask: Uint8Array;
  /** Share of the image's positions in the region (0..1). */
  readonly area: number;
}

/** A box in pixels (top and left inclusive, bottom and right exclusive). */
export interface Box {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

export const CORNER_NAMES = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type CornerName = (typeof CORNER_NAMES)[number];

function checkSize(height: number, width: number): void {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new OptionError(`A region needs a positive integer height and width; got ${height} x ${width}.`);
  }
}

function fromPredicate(name: string, height: number, width: number, inside: (y: number, x: number) => boolean): Region {
  checkSize(height, width);
  const mask = new Uint8Array(height * width);
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (inside(y, x)) {
        mask[y * width + x] = 1;
        count++;
      }
    }
  }
  return { name, height, width, mask, area: count / (height * width) };
}

/** A box region; the box is clipped to the image and must keep at least one position. */
export function boxRegion(name: string, height: number, width: number, box: Box): Region {
  const top = Math.max(0, Math.round(box.top));
  const left = Math.max(0, Math.round(box.left));
  const bottom = Math.min(height, Math.round(box.bottom));
  const right = Math.min(width, Math.round(box.right));
  if (!(bottom > top && right > left)) {
    throw new OptionError(`The region ${name} (rows ${box.top}..${box.bottom}, columns ${box.left}..${box.right}) holds no position of a ${height} x ${width} image.`);
  }
  return fromPredicate(name, height, width, (y, x) => y >= top && y < bottom && x >= left && x < right);
}

/** The positions a region leaves out, named `outside-<name>`. */
export function outsideRegion(region: Region, name = `outside-${region.name}`): Region {
  return fromPredicate(name, region.height, region.width, (y, x) => region.mask[y * region.width + x] === 0);
}

/**
 * The four corners, each `fraction` of the height by `fraction` of the width (at least one
 * pixel): where watermarks, logos and timestamps sit.
 */
export function cornerRegions(height: number, width: number, fraction = 0.25): Region[] {
  if (!(fraction > 0 && fraction <= 0.5)) throw new OptionError(`The corner size must be in (0, 0.5] of each side; got ${fraction}.`);
  const h = Math.max(1, Math.round(height * fraction));
  const w = Math.max(1, Math.round(width * fraction));
  const boxes: Record<CornerName, Box> = {
    'top-left': { top: 0, left: 0, bottom: h, right: w },
    'top-right': { top: 0, left: width - w, bottom: h, right: width },
    'bottom-left': { top: height - h, left: 0, bottom: height, right: w },
    'bottom-right': { top: height - h, left: width - w, bottom: height, right: width },
  };
  return CORNER_NAMES.map((name) => boxRegion(name, height, width, boxes[name]));
}

/** The default border band: 5% of the shorter side, at least one pixel. */
export function defaultBorderWidth(height: number, width: number): number {
  return Math.max(1, Math.round(0.05 * Math.min(height, width)));
}

/** The band of `pixels` positions along all four edges: where padding and border artifacts live. */
export function borderRegion(height: number, width: number, pixels = defaultBorderWidth(height, width)): Region {
  if (!(Number.isInteger(pixels) && pixels >= 1 && 2 * pixels < Math.min(height, width))) {
    throw new OptionError(`The border band must be a whole number of pixels from 1 to less than half the shorter side (${Math.min(height, width)}); got ${pixels}.`);
  }
  return fromPredicate('border', height, width, (y, x) => y < pixels || x < pixels || y >= height - pixels || x >= width - pixels);
}

/** What an audit measures by default: the four corners and the border band. */
export function defaultRegions(height: number, width: number): Region[] {
  return [...cornerRegions(height, width), borderRegion(height, width)];
}
