import type { TfNamespace as AdapterNamespace } from '@salience/tfjs';
import type * as tfjs from '@tensorflow/tfjs';

/** The parts of your TensorFlow.js namespace that the helpers use, besides what `fromTfjs` needs. */
export type TfNamespace = AdapterNamespace &
  Pick<typeof tfjs, 'sequential' | 'layers' | 'initializers' | 'tensor' | 'oneHot' | 'tidy' | 'dispose' | 'train' | 'losses' | 'backend_util'>;

export type LayersModel = tfjs.LayersModel;
