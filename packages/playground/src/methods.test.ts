import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, resolveDisplay } from './display.js';
import { defaultSettings, inputLevel, METHOD_CHOICES, methodChoice, settingsProblem, unavailableReason } from './methods.js';

const mnist = { height: 28, width: 28, channels: 1 as const };
const imagenet = { height: 224, width: 224, channels: 3 as const, layout: 'NCHW' as const };

describe('method settings', () => {
  it('default to sizes that follow the input', () => {
    expect(defaultSettings(methodChoice('occlusion'), mnist).values).toEqual({ window: 4, stride: 2 });
    expect(defaultSettings(methodChoice('kernel-shap'), imagenet).values).toEqual({ cell: 32, samples: 200 });
    expect(defaultSettings(methodChoice('grad-cam'), mnist)).toEqual({ values: {} });
  });

  it('reach the options each method runs with', () => {
    expect(methodChoice('integrated-gradients').options(mnist, { values: { steps: 8 } })).toEqual({ steps: 8 });
    expect(methodChoice('smoothgrad').options(mnist, { values: { samples: 4, noise: 20 } })).toMatchObject({ samples: 4, stdev: { relative: 0.2 } });
    expect(methodChoice('occlusion').options(mnist, { values: { window: 6, stride: 3 } })).toEqual({ window: 6, stride: 3 });
    const shap = methodChoice('lime').options(mnist, { values: { cell: 14, samples: 50 } });
    expect(shap.samples).toBe(50);
    expect(Array.from((shap.featureMask as { data: Float32Array }).data.slice(0, 28))).toEqual([...new Array(14).fill(0), ...new Array(14).fill(1)]);
    expect(methodChoice('shapley-sampling').describe(mnist, { values: { cell: 7, permutations: 3 } })).toBe('3 random orders of 16 cells of 7 px, seed 0');
  });

  it('give CAMs the chosen layer, or none so that the method picks the last convolution', () => {
    for (const id of ['grad-cam', 'grad-cam-pp', 'hirescam', 'xgradcam', 'layercam', 'scorecam', 'eigencam', 'ablationcam', 'guided-grad-cam']) {
      const choice = methodChoice(id);
      expect(choice.usesLayer, id).toBe(true);
      expect(choice.options(mnist, { values: {}, layer: 'conv2' }), id).toEqual({ layer: 'conv2' });
      expect(choice.options(mnist, { values: {} }), id).toEqual({});
      expect(choice.describe(mnist, { values: {}, layer: 'conv2' }), id).toContain('at conv2');
    }
  });

  it('are checked against their ranges before a run', () => {
    const ig = methodChoice('integrated-gradients');
    expect(settingsProblem(ig, { values: { steps: 32 } })).toBeNull();
    expect(settingsProblem(ig, { values: { steps: 1 } })).toBe('integrated gradients: steps must be a whole number from 2 to 1024; got 1.');
    expect(settingsProblem(ig, { values: { steps: 2.5 } })).toMatch(/whole number/);
    expect(settingsProblem(ig, { values: { steps: Number.NaN } })).toMatch(/got NaN/);
  });
});

describe('which methods a model can run', () => {
  it('offers forward-only methods to a model without gradients, and says what the others lack', () => {
    const forwardOnly = { capabilities: new Set(['logits', 'layerActivations'] as const) };
    const available = METHOD_CHOICES.filter((c) => unavailableReason(c, forwardOnly) === null).map((c) => c.id);
    expect(available).toEqual(['scorecam', 'eigencam', 'occlusion', 'kernel-shap', 'lime', 'shapley-sampling']);
    expect(unavailableReason(methodChoice('grad-cam'), forwardOnly)).toBe('this model gives no layerGradients');
    expect(unavailableReason(methodChoice('gradient'), forwardOnly)).toBe('this model gives no inputGradients');
    expect(unavailableReason(methodChoice('ablationcam'), forwardOnly)).toBe('this model cannot run from given layer activations');
    expect(unavailableReason(methodChoice('ablationcam'), { ...forwardOnly, runsFromLayers: true })).toBeNull();
  });

  it('offers modified backpropagation only where the model applies its backward rule, and says which it lacks', () => {
    const all = new Set(['logits', 'inputGradients', 'layerActivations', 'layerGradients'] as const);
    const ids = ['guided-backprop', 'deconvnet', 'deep-lift', 'lrp', 'guided-grad-cam'];
    const noRules = { capabilities: all, runsFromLayers: true };
    expect(METHOD_CHOICES.filter((c) => unavailableReason(c, noRules) !== null).map((c) => c.id)).toEqual(ids);
    expect(unavailableReason(methodChoice('deep-lift'), noRules)).toBe('this model cannot apply the rescale backward rule (tfjs and ONNX models that declare it)');
    expect(unavailableReason(methodChoice('lrp'), noRules)).toMatch(/backward rule \(ONNX models only\)$/);
    expect(unavailableReason(methodChoice('guided-grad-cam'), { capabilities: all, backwardRules: new Set(['deconvnet'] as const) })).toBe(
      'this model cannot apply the guided backward rule (tfjs and ONNX models that declare it)',
    );
    // Each needs its own rule: an ONNX model declaring guided, deconvnet and rescale but not LRP's offers the other four.
    const onnxLike = { capabilities: all, backwardRules: new Set(['guided', 'deconvnet', 'rescale'] as const) };
    expect(ids.filter((id) => unavailableReason(methodChoice(id), onnxLike) === null)).toEqual(['guided-backprop', 'deconvnet', 'deep-lift', 'guided-grad-cam']);
    expect(unavailableReason(methodChoice('lrp'), { ...onnxLike, backwardRules: new Set(['lrp-epsilon'] as const) })).toBeNull();
    // The rule alone is not enough: Guided Grad-CAM also needs the layer's outputs.
    expect(unavailableReason(methodChoice('guided-grad-cam'), { capabilities: new Set(['logits', 'inputGradients'] as const), backwardRules: onnxLike.backwardRules })).toBe(
      'this model gives no layerActivations, layerGradients',
    );
  });
});

describe('display defaults', () => {
  it('show signed methods with their sign on a diverging colormap, the others as magnitudes', () => {
    const signed = METHOD_CHOICES.filter((c) => c.signed).map((c) => c.id);
    expect(signed).toEqual([
      'input-x-gradient',
      'integrated-gradients',
      'occlusion',
      'kernel-shap',
      'lime',
      'shapley-sampling',
      'guided-backprop',
      'deconvnet',
      'deep-lift',
      'lrp',
      'guided-grad-cam',
    ]);
    expect(resolveDisplay(DEFAULT_CONTROLS, true)).toEqual({ sign: 'all', colormap: 'blue-white-red' });
    expect(resolveDisplay(DEFAULT_CONTROLS, false)).toEqual({ sign: 'absolute', colormap: 'inferno' });
    expect(resolveDisplay({ ...DEFAULT_CONTROLS, sign: 'positive', colormap: 'viridis' }, true)).toEqual({ sign: 'positive', colormap: 'viridis' });
  });
});

describe('method selects (LRP rules, DeepLIFT baseline)', () => {
  const imagenetNorm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

  it("default to Captum's epsilon rule and a zero baseline, the methods' own defaults", () => {
    expect(defaultSettings(methodChoice('lrp'), mnist)).toEqual({ values: {}, picks: { rules: 'epsilon' } });
    expect(defaultSettings(methodChoice('deep-lift'), mnist)).toEqual({ values: {}, picks: { baseline: 'zero' } });
    expect(methodChoice('lrp').options(mnist, { values: {} })).toEqual({});
    expect(methodChoice('deep-lift').options(mnist, { values: {} })).toEqual({});
  });

  it("give LRP Zennit's composite, with the box of black to white pixels after mean and std for EpsilonGammaBox", () => {
    const lrp = methodChoice('lrp');
    expect(lrp.picks?.[0]?.options.map((o) => o.value)).toEqual([
      'epsilon',
      'epsilon-plus-flat',
      'epsilon-gamma-box',
      'epsilon-plus',
      'epsilon-alpha2-beta1',
      'epsilon-alpha2-beta1-flat',
    ]);
    expect(lrp.options(mnist, { values: {}, picks: { rules: 'epsilon-plus-flat' } })).toEqual({ composite: 'epsilon-plus-flat' });
    expect(lrp.options(mnist, { values: {}, picks: { rules: 'epsilon-gamma-box' } })).toEqual({ composite: 'epsilon-gamma-box', low: 0, high: 1 });
    const box = lrp.options(imagenet, { values: {}, picks: { rules: 'epsilon-gamma-box' }, normalization: imagenetNorm });
    expect((box.low as number[]).map((v) => v.toFixed(4))).toEqual(['-2.1179', '-2.0357', '-1.8044']);
    expect((box.high as number[]).map((v) => v.toFixed(4))).toEqual(['2.2489', '2.4286', '2.6400']);
    expect(lrp.describe(mnist, { values: {}, picks: { rules: 'epsilon-gamma-box' } })).toBe(
      'layer-wise relevance, EpsilonGammaBox (Zennit), box = black to white pixels, relevance one-hot at the target',
    );
    expect(settingsProblem(lrp, { values: {}, picks: { rules: 'gamma' } })).toBe(
      'LRP: rules must be one of epsilon, epsilon-plus-flat, epsilon-gamma-box, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat; got "gamma".',
    );
  });

  it('give DeepLIFT a black, gray or white image as the model sees it: one number, or an image in its layout when the channels differ', () => {
    const deepLift = methodChoice('deep-lift');
    expect(deepLift.options(mnist, { values: {}, picks: { baseline: 'white' } })).toEqual({ baseline: 1 });
    expect(deepLift.options(mnist, { values: {}, picks: { baseline: 'gray' }, normalization: { mean: [0.5], std: [0.25] } })).toEqual({ baseline: 0 });
    const black = deepLift.options(imagenet, { values: {}, picks: { baseline: 'black' }, normalization: imagenetNorm }).baseline as { data: Float32Array; shape: number[] };
    expect(black.shape).toEqual([1, 3, 224, 224]);
    const plane = 224 * 224;
    expect([black.data[0], black.data[plane - 1], black.data[plane], black.data[2 * plane]].map((v) => v!.toFixed(4))).toEqual(['-2.1179', '-2.1179', '-2.0357', '-1.8044']);
    const nhwc = deepLift.options({ ...imagenet, layout: 'NHWC' }, { values: {}, picks: { baseline: 'black' }, normalization: imagenetNorm }).baseline as {
      data: Float32Array;
      shape: number[];
    };
    expect(nhwc.shape).toEqual([1, 224, 224, 3]);
    expect(Array.from(nhwc.data.slice(0, 4), (v) => v.toFixed(4))).toEqual(['-2.1179', '-2.0357', '-1.8044', '-2.1179']);
    expect(deepLift.describe(mnist, { values: {}, picks: { baseline: 'black' } })).toBe('(input - baseline) × rescale-rule multipliers, from a black image (after mean and std)');
    expect(inputLevel(imagenet, 0.5)).toBe(0.5);
  });
});
