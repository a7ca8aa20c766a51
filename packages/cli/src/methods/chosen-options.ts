import type { MethodFlag, MethodFlags } from './methods.js';

/** The meta keys each flag sets, in the methods' own names. */
const META_KEYS: Readonly<Record<MethodFlag, readonly string[]>> = {
  variant: ['variant'],
  steps: ['steps'],
  quadrature: ['quadrature', 'captumTrapezoid'],
  baseline: ['baseline', 'baselines'],
  samples: ['samples', 'permutations'],
  stdev: ['stdev'],
  statistic: ['statistic'],
  layer: ['layer', 'layers'],
  upsample: ['upsample', 'resolution'],
  relu: ['relu'],
  window: ['window'],
  stride: ['stride'],
  tokenGrid: ['tokenGrid'],
  grid: ['featureMask'],
  superpixels: ['featureMask'],
  lrpEpsilon: ['epsilon'],
  // A composite with the z-box rule shows its bounds, and where they came from when derived.
  lrpComposite: ['rules', 'low', 'high', 'bounds'],
  lrpRules: ['rules', 'low', 'high', 'bounds'],
  lrpGamma: ['gamma'],
  lrpLow: ['low'],
  lrpHigh: ['high'],
  lrpBoundsFrom: ['bounds'],
};

/**
 * The meta keys of a method's result that the user set on the command line (the report shows
 * them as chips and folds the rest). `baselineFile`: a --baseline given as a .npy file.
 */
export function chosenKeys(flags: MethodFlags | undefined, meta: Readonly<Record<string, unknown>>, baselineFile?: string): string[] {
  const given = Object.entries(flags ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k as MethodFlag);
  if (baselineFile !== undefined) given.push('baseline');
  return [...new Set(given.flatMap((flag) => META_KEYS[flag].filter((key) => key in meta)))];
}
