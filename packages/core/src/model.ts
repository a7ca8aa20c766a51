import type { PluginStamp } from './plugin.js';
import type { TensorData } from './tensor.js';

/**
 * How a model lays out its input. Image layouts name the channel axis; `NC` is a feature vector;
 * `tokens` is a [B, T] grid of token ids whose embeddings are [B, T, D].
 */
export type Layout = 'NCHW' | 'NHWC' | 'NC' | 'tokens';

/**
 * What a method can ask a model for. Plugins add outputs through declaration merging:
 * `declare module '@salience/core' { interface ModelOutputs { myOutput: TensorData } }`.
 */
export interface ModelOutputs {
  /** [B, classes], raw scores before any softmax. */
  logits: TensorData;
  /** d objective / d input, in the shape of the input. */
  inputGradients: TensorData;
  /** The output of `request.layer`, batch first, in the model's layout. */
  layerActivations: TensorData;
  /** d objective / d output of `request.layer`. */
  layerGradients: TensorData;
  /** Token embeddings [B, T, D] that the model looked up (or was given). */
  embeddings: TensorData;
  /** d objective / d token embeddings, [B, T, D]. */
  embeddingGradients: TensorData;
}

export type OutputName = keyof ModelOutputs;

/** Outputs that need the model to be differentiated. */
export const GRADIENT_OUTPUTS: readonly OutputName[] = ['inputGradients', 'layerGradients', 'embeddingGradients'];

/**
 * The per-row target that a model call differentiates: one class for all rows, one class per row,
 * or 'predicted' (each row's argmax). Several targets for one input are expanded into rows by the
 * method (see `resolveTargets`), so a model never sees them.
 */
export type RowTarget = number | ArrayLike<number> | 'predicted';

/**
 * The scalar per row whose gradient is taken. Cross-entropy uses `labels` ([B, classes], soft or
 * one-hot) when given, else the one-hot of the row target; its gradient points up the loss.
 */
export type Objective = 'logit' | 'probability' | 'log-probability' | { readonly kind: 'cross-entropy'; readonly labels?: TensorData };

/**
 * Modified backpropagation: backward rules that replace the gradient of some layers, described by
 * kind (adapters map them onto their ops). Gradient outputs then carry the modified signal.
 */
export interface BackwardRules {
  /** ReLU's backward: 'guided' (Guided Backprop: positive gradients through active units) or 'deconvnet' (positive gradients, whatever the input). */
  readonly relu?: 'guided' | 'deconvnet';
  /**
   * DeepLIFT's rescale rule on the nonlinearities: the request's rows are [inputs; baselines], half
   * each, and each nonlinearity passes back dy * Δout / Δin against the baseline rows.
   */
  readonly rescale?: boolean;
  /**
   * Layer-wise relevance propagation, epsilon rule (as Captum's LRP): every convolution, dense,
   * BatchNorm and pooling layer passes back x * grad(R / (z + epsilon * sign(z))), ReLU and Tanh
   * pass relevance through unchanged. `epsilon` defaults to 1e-9. With `composite:
   * 'epsilon-plus-flat'`, Zennit's EpsilonPlusFlat instead (flat on the first layer, z+ on
   * convolutions, epsilon 1e-6 on dense layers), relevance one-hot at the target; likewise Zennit's
   * other composites, or a layer map of rules. With a composite, `epsilon` (default 1e-6), `gamma`
   * (default 0.25) and the z-box bounds `low` and `high` (one value, or one per input channel) are
   * its rules' parameters.
   */
  readonly lrp?: {
    readonly epsilon?: number;
    readonly composite?: LrpComposite;
    readonly gamma?: number;
    readonly low?: number | readonly number[];
    readonly high?: number | readonly number[];
  };
}

/** LRP rules for convolution and dense layers (Zennit's rules of the same names). */
export const LRP_RULES = ['epsilon', 'gamma', 'alpha2-beta1', 'alpha1-beta0', 'z-plus', 'w-square', 'flat', 'z-box'] as const;
export type LrpRule = (typeof LRP_RULES)[number];

/** Zennit's named LRP composites (rules per layer type). */
export const LRP_COMPOSITES = ['epsilon-plus-flat', 'epsilon-gamma-box', 'epsilon-plus', 'epsilon-alpha2-beta1', 'epsilon-alpha2-beta1-flat'] as const;
export type LrpCompositeName = (typeof LRP_COMPOSITES)[number];

/** A named composite, or rules by layer type: the first linear layer, convolutions, dense layers (omitted: 'epsilon'). */
export type LrpComposite = LrpCompositeName | { readonly first?: LrpRule; readonly convolution?: LrpRule; readonly dense?: LrpRule };

/** The kinds of backward rule an adapter may declare in `Model.backwardRules` ('lrp-layer-map': any layer map of LRP rules). */
export type BackwardRuleKind = 'guided' | 'deconvnet' | 'rescale' | 'lrp-epsilon' | `lrp-${LrpCompositeName}` | 'lrp-layer-map';

export interface ModelRequest<K extends OutputName = OutputName> {
  /** Batch on dimension 0, always. For `tokens` models: token ids as floats, [B, T]. */
  readonly input: TensorData;
  readonly outputs: readonly K[];
  /** Required for gradient outputs. */
  readonly target?: RowTarget;
  readonly objective?: Objective;
  /** Layer for `layerActivations` / `layerGradients`, a name from `model.layers()`. */
  readonly layer?: string;
  /** Run from these embeddings [B, T, D] instead of looking up `input` (token models). */
  readonly embeddings?: TensorData;
  /**
   * The model's other inputs (attention_mask, token_type_ids, a second image...), batch first,
   * one row per row of `input`. They travel with each row and are never perturbed; methods fill
   * them from the real example of each row (see `Model.contextOf`).
   */
  readonly context?: Readonly<Record<string, TensorData>>;
  /** Modified backward rules for the gradient outputs; the model must declare them in `backwardRules`. */
  readonly backward?: BackwardRules;
  /**
   * Run the model with the output of `request.layer` replaced by these activations (batch first,
   * one row per row of `input`, in the layer's output shape): whatever reads the layer reads them,
   * everything else runs from `input` as usual. Logits only; the model must set `runsFromLayers`.
   */
  readonly layerActivations?: TensorData;
  readonly signal?: AbortSignal;
}

export interface LayerInfo {
  readonly name: string;
  /** The framework's kind of layer or op: 'Conv2D', 'Conv', 'Dense', 'Gather'... */
  readonly kind: string;
  /** Output shape with `null` for unknown dimensions (the batch, usually). */
  readonly outputShape: readonly (number | null)[];
  /** True when the layer's output is a spatial feature map that Grad-CAM can use. */
  readonly spatial: boolean;
  /** Channel axis of the output when it differs from the model's layout (e.g. a transposed ONNX tensor). */
  readonly channelAxis?: number;
  /** Other names a request may use for this layer (an ONNX tensor name, an inner module's name). */
  readonly aliases?: readonly string[];
}

export interface RandomizeOptions {
  /** Seed of the new weights; the same seed gives the same copy. */
  readonly seed?: number;
}

/** What an adapter exposes. Adapters own framework tensors; everything crossing here is plain data. */
export interface Model {
  readonly layout: Layout;
  /** The input shape with `null` for the batch (and any other free dimension). */
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName>;
  /** The modified backward rules that `request.backward` may ask for (none when absent). */
  readonly backwardRules?: ReadonlySet<BackwardRuleKind>;
  /**
   * Optional capability: `request.layerActivations` may replace a layer's output and the rest of
   * the model runs from it (what ablation methods such as AblationCAM need). Absent: it may not.
   */
  readonly runsFromLayers?: boolean;
  /** Set by adapters published as plugins: their package and the core they were built against. */
  readonly plugin?: PluginStamp;
  layers(): readonly LayerInfo[];
  /**
   * Answers a request. A model must not keep `request.input.data` (or `embeddings`) after the
   * promise settles: methods reuse their buffers between calls.
   */
  run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>>;
  /**
   * Optional: the companion inputs that the model can derive from real examples (attention_mask
   * from the pad id, token_type_ids zeros, position_ids 0..T-1...), one row per row of `input`.
   * Returns only the inputs it can derive. Methods call it once, on the caller's real input, so
   * that baselines, noise and occluded copies keep their example's companions.
   */
  contextOf?(input: TensorData): Readonly<Record<string, TensorData>>;
  /**
   * Optional: an independent copy of the model whose named layers (names from `layers()`) have
   * freshly initialised weights, for parameter-randomisation sanity checks. The copy is disposed
   * by the caller.
   */
  randomizedCopy?(layers: readonly string[], options?: RandomizeOptions): Promise<Model>;
  dispose(): void;
}
