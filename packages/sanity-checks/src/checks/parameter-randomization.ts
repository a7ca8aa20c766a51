import type { CommonOptions, LayerInfo, Model, TensorData } from '@salience/core';
import { CapabilityError, OptionError, throwIfAborted, UnknownLayerError } from '@salience/core';
import type { Similarity, SimilarityOptions } from '../metrics/map-similarity.js';
import { mapSimilarity } from '../metrics/map-similarity.js';
import type { Maps2d } from '../metrics/maps.js';
import { toMaps2d } from '../metrics/maps.js';
import type { ResolvedEntry } from './method-entry.js';
import { mapsOf } from './method-entry.js';
import type { RandomizationStep } from './report.js';

/**
 * Kinds of layer that hold weights, in the adapters' words (tfjs layers and graph ops, ONNX ops).
 * Nested models are left out: their layers are listed on their own.
 */
export const WEIGHT_LAYER_KINDS: ReadonlySet<string> = new Set([
  // tfjs layers
  'Dense',
  'Conv1D',
  'Conv2D',
  'Conv3D',
  'Conv2DTranspose',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'BatchNormalization',
  'LayerNormalization',
  'Embedding',
  'LSTM',
  'GRU',
  'SimpleRNN',
  // tfjs graph ops
  'MatMul',
  '_FusedMatMul',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'FusedBatchNorm',
  'FusedBatchNormV3',
  // ONNX ops
  'Conv',
  'ConvTranspose',
  'Gemm',
  'InstanceNormalization',
  'RNN',
]);

/** The layers that hold weights, from input to output (as `model.layers()` lists them). */
export function weightLayers(model: Model): string[] {
  return model
    .layers()
    .filter((layer: LayerInfo) => WEIGHT_LAYER_KINDS.has(layer.kind))
    .map((layer) => layer.name);
}

export type RandomizationMode = 'cascading' | 'independent';

export interface ParameterRandomizationOptions {
  /** The layers to randomise, from input to output; default: every layer of a kind that holds weights. */
  readonly layers?: readonly string[];
  /** Default both; the full randomisation that the verdict judges is always computed. */
  readonly modes?: readonly RandomizationMode[];
  /** The verdict's measure; default 'spearmanAbs'. */
  readonly measure?: keyof Similarity;
  /** Passes when the measure, with every layer randomised, is at most this; default 0.6. */
  readonly maxSimilarity?: number;
}

/** The layers to randomise, checked against the model. */
export function randomizationLayers(model: Model, layers: readonly string[] | undefined): string[] {
  if (typeof model.randomizedCopy !== 'function') {
    throw new CapabilityError('Parameter randomisation needs a model that can make randomised copies (model.randomizedCopy); this adapter cannot.', []);
  }
  const available = model.layers().map((layer) => layer.name);
  const chosen = [...new Set(layers ?? weightLayers(model))];
  for (const name of chosen) if (!available.includes(name)) throw new UnknownLayerError(name, available);
  if (chosen.length === 0)
    throw new OptionError(`No layer with weights found among ${available.join(', ') || 'none'}; name the layers to randomise with parameterRandomization.layers.`);
  return chosen;
}

/** What each step randomises: cascading from the top, then each layer alone. */
function plan(layers: readonly string[], modes: readonly RandomizationMode[]): { mode: RandomizationMode | 'full'; layer: string; randomized: string[] }[] {
  const top = [...layers].reverse();
  const steps: { mode: RandomizationMode | 'full'; layer: string; randomized: string[] }[] = [];
  if (modes.includes('cascading')) {
    for (const [k, layer] of top.entries()) steps.push({ mode: 'cascading', layer, randomized: top.slice(0, k + 1) });
  } else steps.push({ mode: 'full', layer: top[top.length - 1]!, randomized: top });
  if (modes.includes('independent')) for (const layer of layers) steps.push({ mode: 'independent', layer, randomized: [layer] });
  return steps;
}

export interface ParameterRandomizationRun {
  readonly cascading: RandomizationStep[];
  readonly independent: RandomizationStep[];
  readonly full: Similarity;
}

/**
 * Adebayo et al. (2018)'s model parameter randomisation: for each step, a copy of the model with
 * some layers re-initialised explains the same examples for the same classes, and every entry's
 * maps are compared with its maps of the trained model. One copy per step serves every method.
 */
export async function runParameterRandomization(
  model: Model,
  entries: readonly ResolvedEntry[],
  trainedMaps: readonly Maps2d[],
  input: TensorData,
  targets: Int32Array,
  layers: readonly string[],
  options: { modes?: readonly RandomizationMode[]; seed: number; similarity?: SimilarityOptions; common: CommonOptions; onStep?: (done: number, total: number) => void },
): Promise<ParameterRandomizationRun[]> {
  const modes = options.modes ?? ['cascading', 'independent'];
  if (modes.some((m) => m !== 'cascading' && m !== 'independent')) throw new OptionError(`modes are 'cascading' and 'independent'; got ${JSON.stringify(modes)}.`);
  const steps = plan(layers, modes);
  const runs: ParameterRandomizationRun[] = entries.map(() => ({ cascading: [], independent: [], full: undefined as unknown as Similarity }));
  for (const [i, step] of steps.entries()) {
    throwIfAborted(options.common.signal);
    const copy = await model.randomizedCopy!(step.randomized, { seed: options.seed });
    try {
      for (const [m, entry] of entries.entries()) {
        const maps = toMaps2d(await mapsOf(entry, copy, input, targets, options.common));
        const similarity = mapSimilarity(trainedMaps[m]!, maps, options.similarity).mean;
        const record: RandomizationStep = { randomized: step.randomized, layer: step.layer, similarity };
        if (step.mode === 'independent') runs[m]!.independent.push(record);
        else if (step.mode === 'cascading') runs[m]!.cascading.push(record);
        if (step.mode !== 'independent' && step.randomized.length === layers.length) (runs[m] as { full: Similarity }).full = similarity;
      }
    } finally {
      copy.dispose();
    }
    options.onStep?.(i + 1, steps.length);
  }
  return runs;
}
