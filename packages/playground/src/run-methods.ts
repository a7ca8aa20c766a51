import { AbortError, type Attribution, CapabilityError, type Model, type Target, type TensorData } from '@salience/core';
import type { ImageShape } from './image-input.js';
import { defaultSettings, type MethodChoice, type MethodSettings, unavailableReason } from './methods.js';

export interface MethodRun {
  readonly choice: MethodChoice;
  readonly settings: MethodSettings;
  readonly attribution: Attribution;
  /** Wall-clock time of `attribute`, in milliseconds. */
  readonly ms: number;
}

export interface RunOptions {
  readonly target?: Target;
  /** The user's settings of each method; default the method's defaults for the shape. */
  readonly settings?: (choice: MethodChoice) => MethodSettings;
  readonly signal?: AbortSignal;
  /** Called as the work advances: which method (index into the choices), and its share done in [0, 1]. */
  readonly onProgress?: (methodIndex: number, fraction: number) => void;
  /** Called as each method finishes, so its maps can be drawn before the next one runs. */
  readonly onResult?: (run: MethodRun, methodIndex: number) => void;
}

/** Lets the browser paint (progress, the last maps) between methods. */
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs the chosen methods one after the other on one input, timing each. Cancelling the signal
 * stops the method that is running between two of its batches (an AbortError), and no other starts.
 * A method the model cannot run (a backward rule a tfjs model lacks...) is refused before any runs.
 */
export async function runMethods(model: Model, input: TensorData, shape: ImageShape, choices: readonly MethodChoice[], options: RunOptions = {}): Promise<MethodRun[]> {
  const { target = 'predicted', signal, onProgress, onResult } = options;
  for (const choice of choices) {
    const reason = unavailableReason(choice, model);
    if (reason) {
      const rules = (choice.backwardRules ?? []).filter((r) => !model.backwardRules?.has(r)).map((r) => `backward:${r}`);
      throw new CapabilityError(
        `${choice.title}: ${reason}; pick another method or model.`,
        rules.length > 0 ? rules : choice.method.requires.filter((r) => !model.capabilities.has(r)),
      );
    }
  }
  const runs: MethodRun[] = [];
  for (const [index, choice] of choices.entries()) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const settings = options.settings?.(choice) ?? defaultSettings(choice, shape);
    onProgress?.(index, 0);
    await nextFrame();
    const start = performance.now();
    const attribution = await choice.method.attribute(model, input, {
      ...choice.options(shape, settings),
      target,
      signal,
      onProgress: (done: number, total: number) => onProgress?.(index, total > 0 ? done / total : 1),
    });
    const run = { choice, settings, attribution, ms: performance.now() - start };
    runs.push(run);
    onProgress?.(index, 1);
    onResult?.(run, index);
  }
  return runs;
}
