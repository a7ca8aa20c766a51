import type { Method, Model } from '@salience/core';
import { ablationCam, attentionRollout, eigenCam, hiResCam, layerCam, scoreCam, xGradCam } from '@salience/grad-cam';
import type { ReportDisplay } from '@salience/render';
import type { MethodFlags, MethodSpec } from './methods.js';

/** The CAM family of @salience/grad-cam beside Grad-CAM, and attention rollout for vision transformers. */

const imageOnly = (title: string) => (model: Model) =>
  model.layout === 'NCHW' || model.layout === 'NHWC' ? undefined : `${title} explains image models, and this model's layout is ${model.layout}`;

function defined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Options every CAM shares: the layer, ReLU, resolution and upsampling, the token grid. */
function camOptions(flags: MethodFlags): Record<string, unknown> {
  const layerResolution = flags.upsample === 'none';
  return defined({
    layer: flags.layer,
    relu: flags.relu ?? true,
    resolution: layerResolution ? 'layer' : 'input',
    upsample: layerResolution ? undefined : flags.upsample,
    tokenGrid: flags.tokenGrid,
  });
}

function camDisplay(flags: MethodFlags): ReportDisplay {
  return { sign: (flags.relu ?? true) ? 'positive' : 'all', normalization: 'abs-max', opacity: 0.8 };
}

const CAM_FLAGS = ['layer', 'upsample', 'relu', 'tokenGrid'] as const;

function cam(name: MethodSpec['name'], title: string, method: Method<object>, requires: MethodSpec['requires'], description: string): MethodSpec {
  return {
    name,
    title,
    flags: CAM_FLAGS,
    requires,
    unfit: imageOnly(title),
    configure: (flags) => ({ method, options: camOptions(flags), display: camDisplay(flags), description }),
  };
}

export const CAM_FAMILY = {
  hirescam: cam(
    'hirescam',
    'HiResCAM',
    hiResCam as Method<object>,
    ['layerActivations', 'layerGradients'],
    'sum over channels of gradient x activation at the layer (no spatial averaging)',
  ),
  xgradcam: cam('xgradcam', 'XGradCAM', xGradCam as Method<object>, ['layerActivations', 'layerGradients'], 'activations weighted by their activation-normalised gradient sums'),
  layercam: cam('layercam', 'LayerCAM', layerCam as Method<object>, ['layerActivations', 'layerGradients'], 'sum over channels of the positive gradient x activation at the layer'),
  scorecam: cam(
    'scorecam',
    'ScoreCAM',
    scoreCam as Method<object>,
    ['logits', 'layerActivations'],
    'activations weighted by the softmax of the scores of the input masked by each channel (forward-only)',
  ),
  eigencam: cam(
    'eigencam',
    'EigenCAM',
    eigenCam as Method<object>,
    ['layerActivations'],
    "the activations' first principal component (forward-only, the same map for every class)",
  ),
  ablationcam: {
    ...cam(
      'ablationcam',
      'AblationCAM',
      ablationCam as Method<object>,
      ['logits', 'layerActivations'],
      "activations weighted by the relative drop of the target's score when each channel is ablated (forward-only)",
    ),
    // It runs the model from ablated activations at the layer, which not every model can.
    unfit: (model: Model) =>
      imageOnly('AblationCAM')(model) ?? (model.runsFromLayers ? undefined : 'AblationCAM runs the model from given layer activations, which this model cannot'),
  },
  'attention-rollout': {
    name: 'attention-rollout',
    title: 'Attention rollout',
    flags: ['layer', 'upsample', 'tokenGrid'],
    requires: ['layerActivations'],
    unfit: imageOnly('Attention rollout'),
    configure(flags: MethodFlags) {
      const layerResolution = flags.upsample === 'none';
      return {
        method: attentionRollout as Method<object>,
        options: defined({
          // --layer names the attention-probability layers, comma-separated (default: every Softmax over [batch, heads, tokens, tokens]).
          layers: flags.layer
            ?.split(',')
            .map((l) => l.trim())
            .filter((l) => l !== ''),
          resolution: layerResolution ? 'layer' : 'input',
          upsample: layerResolution ? undefined : flags.upsample,
          tokenGrid: flags.tokenGrid,
        }),
        display: { sign: 'positive', normalization: 'abs-max', opacity: 0.8 },
        description: "the class token's attention to the image tokens, multiplied through the blocks with the residual (forward-only, class-agnostic)",
      };
    },
  },
} as const satisfies Record<string, MethodSpec>;
