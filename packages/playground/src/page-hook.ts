import type { MethodRun } from './run-methods.js';
import type { Pictures } from './display.js';

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
  runs: DrawnRun[];
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
    map: Array.from(pictures.map.data),
    mapShape: [...pictures.map.shape],
  };
}

export function installHook(): PageHook {
  const hook: PageHook = { status: 'loading', message: '', backend: '', model: '', runs: [] };
  (window as unknown as { salience: PageHook }).salience = hook;
  return hook;
}
