import { OptionError } from '@salience/core';
import { createImage, grid, heatmapImage, overlay, type RgbaImage, resizeImage } from '@salience/render';
import type { AuditResult, ExampleRef } from './audit-collector.js';

/** A map scaled by its own maximum (the maps are non-negative shares), as a heatmap. */
export function shareHeatmap(map: Float32Array, height: number, width: number): RgbaImage {
  let max = 0;
  for (const v of map) if (v > max) max = v;
  const scaled = max > 0 ? Float32Array.from(map, (v) => v / max) : new Float32Array(map.length);
  return heatmapImage({ data: scaled, shape: [height, width] }, 'inferno');
}

/** An example's map over its picture, or the bare heatmap when there is no picture. */
export function exampleOverlay(ref: ExampleRef): RgbaImage {
  const { thumbnail, thumbnailHeight: h, thumbnailWidth: w } = ref.map;
  let max = 0;
  for (const v of thumbnail) if (v > max) max = v;
  const scaled = { data: max > 0 ? Float32Array.from(thumbnail, (v) => v / max) : new Float32Array(thumbnail.length), shape: [h, w] };
  if (!ref.image) return shareHeatmap(thumbnail, h, w);
  return overlay(ref.image, scaled, { opacity: 0.6, opacityByValue: true, grayscale: true });
}

/** Nearest-neighbour enlargement to at least `side` pixels on the longer side (pixels stay crisp). */
export function enlarged(image: RgbaImage, side: number): RgbaImage {
  const factor = Math.max(1, Math.floor(side / Math.max(image.width, image.height)));
  return factor === 1 ? image : resizeImage(image, image.width * factor, image.height * factor, 'nearest');
}

export interface ClassMeansFigureOptions {
  readonly model?: string;
  readonly dataset?: string;
  readonly method?: string;
  /** Side of each class's map in the figure; default 84. */
  readonly side?: number;
}

/**
 * One picture of the per-class mean saliency maps of a (model, dataset, method) group, labelled
 * with the class names: the figure to look at first for a class-specific shortcut.
 */
export function classMeansFigure(result: AuditResult, options: ClassMeansFigureOptions = {}): RgbaImage {
  const model = options.model ?? result.models[0];
  const dataset = options.dataset ?? result.datasets[0];
  const method = (options.method ?? result.methods[0])!;
  const group = result.groups.find((g) => g.model === model && g.dataset === dataset);
  const summary = group?.methods[method];
  if (!summary) throw new OptionError(`The audit has no maps of method '${method}' for model '${model}' on dataset '${dataset}'.`);
  const side = options.side ?? 84;
  const cells: RgbaImage[] = [];
  const labels: string[] = [];
  for (let c = 0; c < result.classes; c++) {
    const mean = summary.classes.find((m) => m.class === c);
    labels.push(`${result.classNames?.[c] ?? `class ${c}`} (${mean?.count ?? 0})`);
    cells.push(mean && mean.count > 0 ? enlarged(shareHeatmap(mean.map, mean.height, mean.width), side) : createImage(side, side, [235, 235, 235, 255]));
  }
  return grid([cells], { labels: { columns: labels }, gap: 6 });
}
