import type { Pictures } from './display.js';
import type { MethodRun } from './run-methods.js';

export type PageStatus = 'loading' | 'ready' | 'running' | 'done' | 'cancelled' | 'error';

/** One method's result as the page shows it, in plain arrays. */
export interface DrawnRun {
  readonly id: string;
  readonly ms: number;
  readonly layout: string;
  readonly shape: readonly number[];
  /** The raw attribution values. */
  readonly values: number[];
  readonly targets: number[];
  /** The method's facts (`attribution.meta`) that are plain values: layer, steps, model calls... */
  readonly meta: Record<string, string | number | boolean | null>;
  /** How it was drawn: the sign, the colormap, and the raw values at the ends of the colour range. */
  readonly sign: string;
  readonly colormap: string;
  readonly scale: { readonly low: number; readonly high: number; readonly signed: boolean };
  /** The 2D map that was colour-mapped onto the canvases, and its shape [H, W]. */
  readonly map: number[];
  readonly mapShape: readonly number[];
}

/**
 * What the page is doing, on `window.salience`: end-to-end tests (and curious users) read the maps
 * that were drawn from here instead of guessing from pixels.
 */
export interface PageHook {
  status: PageStatus;
  message: string;
  backend: string;
  model: string;
  /** What was done to the picture to make the model's input. */
  note: string;
  /** The classes offered as targets, most probable first. */
  targets: { index: number; name: string; probability: number }[];
  runs: DrawnRun[];
}

function plainMeta(meta: Readonly<Record<string, unknown>>): DrawnRun['meta'] {
  const out: DrawnRun['meta'] = {};
  for (const [key, value] of Object.entries(meta)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

export function drawnRun(run: MethodRun, pictures: Pictures): DrawnRun {
  const { attribution } = run;
  return {
    id: run.choice.id,
    ms: run.ms,
    layout: attribution.layout,
    shape: [...attribution.values.shape],
    values: Array.from(attribution.values.data),
    targets: Array.from(attribution.targets),
    meta: plainMeta(attribution.meta),
    sign: pictures.sign,
    colormap: pictures.colormap,
    scale: { low: pictures.scale.low, high: pictures.scale.high, signed: pictures.scale.signed },
    map: Array.from(pictures.map.data),
    mapShape: [...pictures.map.shape],
  };
}

export function installHook(): PageHook {
  const hook: PageHook = { status: 'loading', message: '', backend: '', model: '', note: '', targets: [], runs: [] };
  (window as unknown as { salience: PageHook }).salience = hook;
  return hook;
}
