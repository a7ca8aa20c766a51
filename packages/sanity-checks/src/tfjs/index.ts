/**
 * @packageDocumentation
 * TensorFlow.js helpers of the sanity checks: the small CNN of the planted-evidence benchmark,
 * seeded in-process training, and a `Trainer` for the label randomisation check.
 */

export { withFastFilterGradients } from './fast-filter-gradient.js';
export type { PlantedCnnOptions } from './planted-cnn.js';
export { plantedCnn } from './planted-cnn.js';
export type { TfNamespace } from './tf-namespace.js';
export type { TfjsTrainerOptions } from './tfjs-trainer.js';
export { tfjsTrainer } from './tfjs-trainer.js';
export type { TrainOptions } from './train.js';
export { trainLayersModel } from './train.js';
