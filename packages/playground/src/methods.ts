import type { Method } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient, inputXGradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import type { ImageShape } from './image-input.js';

export type MethodId = 'gradient' | 'input-x-gradient' | 'smoothgrad' | 'integrated-gradients' | 'grad-cam' | 'occlusion';

/** A method as the page offers it: the library method and the options the page runs it with. */
export interface MethodChoice {
  readonly id: MethodId;
  readonly title: string;
  readonly method: Method<object>;
  /** Options for an input of this shape; the page adds target, signal and onProgress. */
  options(shape: ImageShape): Record<string, unknown>;
  /** One line saying what runs, shown under the map. */
  describe(shape: ImageShape): string;
}

/** Occlusion's window: about a seventh of the shorter side, stepped by half a window. */
function occlusionWindow(shape: ImageShape): { window: number; stride: number } {
  const window = Math.max(1, Math.round(Math.min(shape.height, shape.width) / 7));
  return { window, stride: Math.max(1, Math.ceil(window / 2)) };
}

const smoothGradient = smoothGrad(gradient);

export const METHOD_CHOICES: readonly MethodChoice[] = [
  {
    id: 'gradient',
    title: '|gradient|',
    method: gradient,
    options: () => ({ variant: 'absolute' }),
    describe: () => 'absolute input gradient (Simonyan et al.)',
  },
  {
    id: 'input-x-gradient',
    title: 'gradient × input',
    method: inputXGradient,
    options: () => ({}),
    describe: () => 'gradient times input',
  },
  {
    id: 'smoothgrad',
    title: 'SmoothGrad',
    method: smoothGradient,
    options: () => ({ variant: 'absolute', samples: 16, stdev: { relative: 0.15 }, seed: 0 }),
    describe: () => '16 noisy |gradient|s, noise 15% of the value range, seed 0',
  },
  {
    id: 'integrated-gradients',
    title: 'integrated gradients',
    method: integratedGradients,
    options: () => ({ steps: 32 }),
    describe: () => '32 Gauss-Legendre steps from a black image',
  },
  {
    id: 'grad-cam',
    title: 'Grad-CAM',
    method: gradCam,
    options: () => ({}),
    describe: () => 'at the last convolution, upsampled to the input',
  },
  {
    id: 'occlusion',
    title: 'occlusion',
    method: occlusion,
    options: (shape) => occlusionWindow(shape),
    describe: (shape) => {
      const { window, stride } = occlusionWindow(shape);
      return `${window}×${window} black window, stride ${stride}`;
    },
  },
];

export function methodChoice(id: string): MethodChoice {
  const choice = METHOD_CHOICES.find((c) => c.id === id);
  if (!choice) throw new RangeError(`Unknown method '${id}'; the playground offers ${METHOD_CHOICES.map((c) => c.id).join(', ')}.`);
  return choice;
}
