import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attribution } from '@salience/core';
import { attributionFigure, encodePng, type ReportDisplay, type RgbaImage } from '@salience/render';
import { displayColormap, displayOptions } from './pictures.js';

/** What a figure's title needs beside the map: the method's name, class names, probabilities. */
export interface FigureFacts {
  readonly title: string;
  readonly className: (target: number) => string | undefined;
  /** The model's probability of class `target` for example `example`. */
  readonly probability: (example: number, target: number) => number;
}

/**
 * Captum's `visualize_image_attr_multiple(["original_image", "heat_map", "blended_heat_map"])`
 * for each attribution row over the image the model saw: a title with the method, the target
 * class and its probability, the three panels, and a colorbar in the map's raw units.
 */
export function figureImages(attribution: Attribution, display: ReportDisplay, images: readonly (RgbaImage | undefined)[], facts: FigureFacts): (RgbaImage | undefined)[] {
  return Array.from(attribution.examples, (example, row) => {
    const image = images[example];
    if (!image) return undefined;
    const target = attribution.targets[row]!;
    return attributionFigure(attribution, {
      image,
      row,
      display: displayOptions(display),
      colormap: displayColormap(display),
      method: facts.title,
      className: facts.className(target),
      probability: facts.probability(example, target),
    });
  });
}

/**
 * Writes `figures/<method>/<stem>.png` (`<stem>.class-<c>.png` when an example has several
 * targets) and returns their paths relative to `dir`.
 */
export async function writeFigures(
  dir: string,
  method: string,
  attribution: Attribution,
  figures: readonly (RgbaImage | undefined)[],
  stems: readonly string[],
  check: () => void,
): Promise<string[]> {
  return writeRowImages(dir, join('figures', method), attribution, figures, stems, check);
}

/**
 * Writes one PNG per map row into `folder` (relative to `dir`): `<stem>.png`, or
 * `<stem>.class-<c>.png` when an example has several targets. Returns the paths relative to `dir`.
 */
export async function writeRowImages(
  dir: string,
  folder: string,
  attribution: Attribution,
  images: readonly (RgbaImage | undefined)[],
  stems: readonly string[],
  check: () => void,
): Promise<string[]> {
  const perExample = new Map<number, number>();
  for (const e of attribution.examples) perExample.set(e, (perExample.get(e) ?? 0) + 1);
  const files: string[] = [];
  for (let r = 0; r < images.length; r++) {
    const image = images[r];
    if (!image) continue;
    const e = attribution.examples[r]!;
    const name = perExample.get(e)! > 1 ? `${stems[e]}.class-${attribution.targets[r]}.png` : `${stems[e]}.png`;
    check();
    await mkdir(join(dir, folder), { recursive: true });
    await writeFile(join(dir, folder, name), encodePng(image));
    files.push(join(folder, name));
  }
  return files;
}
