import { assertCapabilities } from './capabilities.js';
import { CapabilityError, OptionError, ShapeError, TargetError, throwIfAborted, UnknownLayerError } from './errors.js';
import { checkInput } from './input.js';
import type { BackwardRuleKind, BackwardRules, Model, ModelRequest, Objective, OutputName, RandomizeOptions } from './model.js';
import { GRADIENT_OUTPUTS, LRP_COMPOSITES, LRP_RULES } from './model.js';
import { checkObjective, objectiveAndLogitGradient } from './objective.js';
import { argmaxRows, rowTargets } from './targets.js';
import type { TensorData } from './tensor.js';
import { sizeOf } from './tensor.js';

/** Every output of the core contract, in a stable order. */
export const KNOWN_OUTPUTS: readonly OutputName[] = ['logits', 'inputGradients', 'layerActivations', 'layerGradients', 'embeddings', 'embeddingGradients'];

const LAYER_OUTPUTS: readonly OutputName[] = ['layerActivations', 'layerGradients'];

/**
 * What an adapter knows about its model that the rules of a request depend on. The `Model` fields
 * (layout, inputShape, capabilities, plugin) plus what the runtime told the adapter.
 */
export interface ModelFacts extends Pick<Model, 'layout' | 'inputShape' | 'capabilities' | 'backwardRules' | 'plugin' | 'runsFromLayers'> {
  /** Set once the model is disposed: every request is refused from then on. */
  readonly disposed?: boolean;
  /** The function that makes a new model, named when a disposed one is used: 'fromTfjs'. */
  readonly createdBy?: string;
  /** Number of logits, when known before running: targets and cross-entropy labels are checked against it. */
  readonly classes?: number;
  /** Whether input values are token ids (integers >= 0); default: when the layout is 'tokens'. */
  readonly tokenIds?: boolean;
  /** Number of token ids, when known: ids must be below it. */
  readonly vocabulary?: number;
  /** D of the embeddings [B, T, D], when known. */
  readonly embeddingWidth?: number;
  /** The companion inputs the model takes, when it lists them: `request.context` may name no other. */
  readonly contextInputs?: readonly string[];
  /** The name of the input that is explained, when it has one (a graph input). */
  readonly inputName?: string;
  /**
   * What a layer name (from `layers()`, or one of its aliases) stands for in the runtime: the name
   * the adapter reads it by. Throws `UnknownLayerError` for a name the model does not have. Without
   * it the model has no layers to name.
   */
  resolveLayer?(name: string): string;
  /**
   * The output shape of a layer (its name as `resolveLayer` gives it), `null` for unknown dims, when
   * the adapter knows it: `request.layerActivations` is checked against it.
   */
  layerShape?(layer: string): readonly (number | null)[] | undefined;
  /**
   * Why an output that the model does not declare cannot be given, when the adapter knows more than
   * "not declared" (e.g. the op without a gradient); undefined falls back to a `CapabilityError`.
   */
  whyUnavailable?(output: OutputName): Error | undefined;
}

interface PlanOf<K extends OutputName> {
  /** The requested outputs, each once, in the order first asked. */
  readonly outputs: readonly K[];
  readonly wanted: ReadonlySet<OutputName>;
  /** The checked input: fits `inputShape`, finite, valid token ids for token models. */
  readonly input: TensorData;
  readonly rows: number;
  /** The layer as `resolveLayer` named it; set exactly when a layer output is wanted or the request runs from the layer. */
  readonly layer: string | undefined;
  /** Activations [rows, ...] that replace the layer's output (logits only). */
  readonly layerActivations: TensorData | undefined;
  /** Embeddings [rows, T, D] to run from instead of looking up the ids. */
  readonly embeddings: TensorData | undefined;
  /** Companion inputs, one row per row of the input. */
  readonly context: Readonly<Record<string, TensorData>> | undefined;
  readonly signal: AbortSignal | undefined;
}

/** A request for outputs that need no differentiation: no targets, no objective. */
export interface ForwardPlan<K extends OutputName = OutputName> extends PlanOf<K> {
  readonly gradients: false;
  readonly targets: undefined;
  readonly objective: undefined;
}

/** A request for gradient outputs: targets one per row (or 'predicted', resolved from the logits) and a known objective. */
export interface GradientPlan<K extends OutputName = OutputName> extends PlanOf<K> {
  readonly gradients: true;
  readonly targets: Int32Array | 'predicted';
  /** 'logit' when the request gave none. */
  readonly objective: Objective;
}

/** A request that has passed every rule of `Model.run`: what is left for an adapter is runtime work. */
export type RequestPlan<K extends OutputName = OutputName> = ForwardPlan<K> | GradientPlan<K>;

function checkIds(input: TensorData, vocabulary: number | undefined): void {
  for (let i = 0; i < input.data.length; i++) {
    const id = input.data[i]!;
    if (!Number.isInteger(id) || id < 0 || (vocabulary !== undefined && id >= vocabulary)) {
      const range = vocabulary !== undefined ? `0..${vocabulary - 1}` : 'non-negative integers';
      throw new ShapeError(`Token id ${id} at position ${i} is not a valid id (${range}).`);
    }
  }
}

function checkEmbeddings(facts: ModelFacts, embeddings: TensorData, input: TensorData): void {
  if (!facts.capabilities.has('embeddings')) {
    throw new OptionError(
      "request.embeddings is for models that declare 'embeddings' (token models whose embedding lookup is known; name it when you create the model). Give the token ids alone.",
    );
  }
  const [rows, tokens] = input.shape;
  const width = facts.embeddingWidth;
  const shape = embeddings?.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || shape[0] !== rows || shape[1] !== tokens || (width !== undefined && shape[2] !== width)) {
    throw new ShapeError(`request.embeddings has shape [${shape?.join(', ')}]; expected [${rows}, ${tokens}, ${width ?? 'D'}] for ids of shape [${input.shape.join(', ')}].`);
  }
  const size = sizeOf(shape);
  if (embeddings.data?.length !== size) {
    throw new ShapeError(`request.embeddings has ${embeddings.data?.length} values but its shape [${shape.join(', ')}] needs ${size}.`);
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(embeddings.data[i])) throw new ShapeError(`request.embeddings value ${i} is ${embeddings.data[i]}; embeddings must be finite.`);
  }
}

/**
 * Companion inputs fit the request: named tensors, one row per row of the input. With `known` (the
 * inputs the model takes besides `inputName`), every name must be one of them.
 */
export function checkContextRows(context: Readonly<Record<string, TensorData>>, rows: number, known?: readonly string[], inputName?: string): void {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new ShapeError('context must be an object of named tensors: { attention_mask: { data, shape } }.');
  }
  const names = Object.keys(context);
  for (const name of known ? names : []) {
    if (known!.includes(name)) continue;
    if (name === inputName) throw new OptionError(`context.${name} is the input being explained; pass it as the input, not in context.`);
    const input = inputName ? `'${inputName}'` : 'the input';
    const list = known!.map((n) => `'${n}'`).join(', ');
    throw new OptionError(`context.${name} is not an input of the model; ${list ? `its inputs besides ${input} are ${list}` : `it takes only ${input}`}.`);
  }
  for (const name of names) {
    const t = context[name];
    if (typeof t !== 'object' || t === null || !(t.data instanceof Float32Array) || !Array.isArray(t.shape)) {
      throw new ShapeError(`context.${name} must be a TensorData { data: Float32Array, shape }.`);
    }
    if (t.shape[0] !== rows) throw new ShapeError(`context.${name} has shape [${t.shape.join(', ')}]; give one row per row of the input: [${rows}, ...].`);
    if (t.data.length !== sizeOf(t.shape)) throw new ShapeError(`context.${name} has ${t.data.length} values but its shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}.`);
  }
}

/** The kinds of rule a `request.backward` asks for, after checking its shape. */
function backwardKinds(backward: BackwardRules): BackwardRuleKind[] {
  if (typeof backward !== 'object' || backward === null || Array.isArray(backward)) {
    throw new OptionError("request.backward must be an object: { relu?: 'guided' | 'deconvnet', rescale?: true, lrp?: { epsilon? } }.");
  }
  const { relu, rescale, lrp, ...rest } = backward;
  const unknown = Object.keys(rest);
  if (unknown.length)
    throw new OptionError(`request.backward.${unknown[0]} is not a backward rule; the rules are relu ('guided' | 'deconvnet'), rescale (true) and lrp ({ epsilon? }).`);
  if (lrp !== undefined) {
    const epsilon = typeof lrp === 'object' && lrp !== null ? lrp.epsilon : undefined;
    const composite = typeof lrp === 'object' && lrp !== null ? lrp.composite : undefined;
    if (
      typeof lrp !== 'object' ||
      lrp === null ||
      Object.keys(lrp).some((k) => !['epsilon', 'composite', 'gamma', 'low', 'high'].includes(k)) ||
      (epsilon !== undefined && !(Number.isFinite(epsilon) && epsilon >= 0))
    ) {
      throw new OptionError(`request.backward.lrp must be { epsilon?: a number >= 0, composite?, gamma?, low?, high? }; got ${JSON.stringify(lrp)}.`);
    }
    const rule = (r: unknown) => (LRP_RULES as readonly unknown[]).includes(r);
    const layerMap = typeof composite === 'object' && composite !== null && Object.entries(composite).every(([k, r]) => ['first', 'convolution', 'dense'].includes(k) && rule(r));
    if (composite !== undefined && !layerMap && !(LRP_COMPOSITES as readonly unknown[]).includes(composite))
      throw new OptionError(
        `request.backward.lrp.composite must be one of ${LRP_COMPOSITES.join(', ')} or a layer map { first?, convolution?, dense? } of ${LRP_RULES.join(', ')}; got ${JSON.stringify(composite)}.`,
      );
    if (composite === undefined && ['gamma', 'low', 'high'].some((k) => k in lrp))
      throw new OptionError('request.backward.lrp.gamma, low and high are parameters of a composite: give composite too.');
    if (relu !== undefined || rescale) throw new OptionError('request.backward.lrp replaces the rules of every layer: give it alone.');
  }
  if (relu !== undefined && relu !== 'guided' && relu !== 'deconvnet') throw new OptionError(`request.backward.relu must be 'guided' or 'deconvnet'; got ${JSON.stringify(relu)}.`);
  if (rescale !== undefined && typeof rescale !== 'boolean') throw new OptionError(`request.backward.rescale must be true or false; got ${JSON.stringify(rescale)}.`);
  if (relu !== undefined && rescale) throw new OptionError("request.backward.relu and request.backward.rescale both replace ReLU's backward rule: choose one.");
  const kinds: BackwardRuleKind[] = [];
  if (relu) kinds.push(relu);
  if (rescale) kinds.push('rescale');
  if (lrp !== undefined) kinds.push(lrp.composite === undefined ? 'lrp-epsilon' : typeof lrp.composite === 'string' ? `lrp-${lrp.composite}` : 'lrp-layer-map');
  return kinds;
}

/** Modified backward rules: well formed, declared by the model, for gradient outputs; rescale's rows pair up. */
function checkBackward(facts: ModelFacts, backward: BackwardRules, outputs: readonly OutputName[], rows: number): void {
  const kinds = backwardKinds(backward);
  const missing = kinds.filter((k) => !facts.backwardRules?.has(k));
  if (missing.length) {
    const has = [...(facts.backwardRules ?? [])].join(', ') || 'none';
    throw new CapabilityError(
      `This model cannot apply the backward rule ${missing.join(', ')} (it applies: ${has}). Use an ONNX model through @salience/onnx, whose gradient graph salience builds itself.`,
      missing.map((k) => `backward:${k}`),
    );
  }
  if (kinds.length && !outputs.some((o) => GRADIENT_OUTPUTS.includes(o))) {
    throw new OptionError('request.backward changes gradients; ask for a gradient output (inputGradients, layerGradients) with it.');
  }
  if (backward.rescale && rows % 2 !== 0) {
    throw new ShapeError(`request.backward.rescale needs the rows as [inputs; baselines], half each: an even number of rows, got ${rows}.`);
  }
}

/** Running from given activations at a layer: declared by the model, logits only, one row per row of the input, the layer's shape, finite. */
function checkLayerActivations(facts: ModelFacts, request: ModelRequest, outputs: readonly OutputName[], rows: number): string {
  if (!facts.runsFromLayers) {
    throw new CapabilityError(
      'This model cannot run from given layer activations (request.layerActivations). Methods that only read activations (ScoreCAM, EigenCAM) work on it; ablation methods need an adapter that can (an ONNX model through @salience/onnx, a tfjs GraphModel or LayersModel).',
      ['runsFromLayers'],
    );
  }
  if (outputs.some((o) => o !== 'logits'))
    throw new OptionError(`request.layerActivations runs the rest of the model from a layer; ask for logits only (got ${outputs.join(', ')}).`);
  if (request.embeddings !== undefined) throw new OptionError('Give request.embeddings or request.layerActivations, not both.');
  if (typeof request.layer !== 'string') throw new OptionError('request.layerActivations replaces the output of request.layer: name a layer from model.layers().');
  if (!facts.resolveLayer) throw new UnknownLayerError(request.layer, []);
  const layer = facts.resolveLayer(request.layer);
  const given = request.layerActivations!;
  if (typeof given !== 'object' || given === null || !(given.data instanceof Float32Array) || !Array.isArray(given.shape)) {
    throw new ShapeError('request.layerActivations must be a TensorData { data: Float32Array, shape }.');
  }
  const declared = facts.layerShape?.(layer);
  const fits =
    given.shape[0] === rows &&
    given.shape.every((d) => Number.isInteger(d) && d > 0) &&
    (!declared || declared.length === 0 || (declared.length === given.shape.length && declared.every((d, i) => i === 0 || d === null || d === given.shape[i])));
  if (!fits) {
    const dims = declared?.slice(1).map((d) => d ?? '?');
    const expected = dims && declared!.length > 0 ? `[${[rows, ...dims].join(', ')}]` : `[${rows}, ...] (one row per row of the input)`;
    throw new ShapeError(`request.layerActivations has shape [${given.shape.join(', ')}]; layer '${request.layer}' gives ${expected}.`);
  }
  const size = sizeOf(given.shape);
  if (given.data.length !== size) throw new ShapeError(`request.layerActivations has ${given.data.length} values but its shape [${given.shape.join(', ')}] needs ${size}.`);
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(given.data[i])) throw new ShapeError(`request.layerActivations value ${i} is ${given.data[i]}; activations must be finite.`);
  }
  return layer;
}

function checkTargetClasses(targets: Int32Array, classes: number): void {
  for (let i = 0; i < targets.length; i++) {
    if (targets[i]! >= classes) throw new TargetError(`Target [${i}] is class ${targets[i]}, but the model has ${classes} classes (0..${classes - 1}).`);
  }
}

function disposedError(facts: Pick<ModelFacts, 'createdBy'>): OptionError {
  return new OptionError(`This model was disposed; create a new one${facts.createdBy ? ` with ${facts.createdBy}` : ''}.`);
}

/**
 * Checks a request against every rule of `Model.run` before the runtime is touched, with core's
 * typed errors: the model is not disposed; outputs (de-duplicated) are declared; the input fits
 * (token ids valid); the layer exists; embeddings, layer activations and context fit the input; gradient outputs have
 * targets (checked against the classes when known) and a known objective; the signal has not fired.
 */
export function planRequest<K extends OutputName>(facts: ModelFacts, request: ModelRequest<K>): RequestPlan<K> {
  if (facts.disposed) throw disposedError(facts);
  if (!request || typeof request !== 'object') throw new OptionError('run() takes a request: { input, outputs, target?, ... }.');
  if (!Array.isArray(request.outputs) || request.outputs.length === 0) throw new OptionError(`Ask for at least one output: ${KNOWN_OUTPUTS.join(', ')}.`);
  const outputs = [...new Set(request.outputs)];
  for (const output of outputs) {
    const reason = facts.capabilities.has(output) ? undefined : facts.whyUnavailable?.(output);
    if (reason) throw reason;
  }
  assertCapabilities(facts, outputs, 'This request');
  const { input } = request;
  checkInput(facts, input);
  if (facts.tokenIds ?? facts.layout === 'tokens') checkIds(input, facts.vocabulary);
  const rows = input.shape[0]!;

  let layer: string | undefined;
  if (outputs.some((o) => LAYER_OUTPUTS.includes(o))) {
    if (typeof request.layer !== 'string') throw new OptionError('layerActivations and layerGradients need request.layer, a name from model.layers().');
    if (!facts.resolveLayer) throw new UnknownLayerError(request.layer, []);
    layer = facts.resolveLayer(request.layer);
  }
  if (request.layerActivations !== undefined) layer = checkLayerActivations(facts, request, outputs, rows);
  if (request.embeddings !== undefined) checkEmbeddings(facts, request.embeddings, input);
  if (request.context !== undefined) checkContextRows(request.context, rows, facts.contextInputs, facts.inputName);
  if (request.backward !== undefined) checkBackward(facts, request.backward, outputs, rows);

  const common = {
    outputs,
    wanted: new Set<OutputName>(outputs),
    input,
    rows,
    layer,
    layerActivations: request.layerActivations,
    embeddings: request.embeddings,
    context: request.context,
    signal: request.signal,
  };
  let plan: RequestPlan<K>;
  if (outputs.some((o) => GRADIENT_OUTPUTS.includes(o))) {
    const targets = request.target === 'predicted' ? 'predicted' : rowTargets(request.target, rows);
    const objective = request.objective ?? 'logit';
    plan = { ...common, gradients: true, targets, objective };
    if (facts.classes !== undefined) checkPlanClasses(plan, facts.classes);
    else checkObjective(objective, rows);
  } else {
    plan = { ...common, gradients: false, targets: undefined, objective: undefined };
  }
  throwIfAborted(request.signal);
  return plan;
}

/**
 * The rules that need the number of classes, for adapters that learn it from the logits: class
 * targets below it, cross-entropy labels [rows, classes]. `planRequest` applies them itself when
 * `facts.classes` is known.
 */
export function checkPlanClasses(plan: RequestPlan, classes: number): void {
  if (!plan.gradients) return;
  if (plan.targets !== 'predicted') checkTargetClasses(plan.targets, classes);
  checkObjective(plan.objective, plan.rows, classes);
}

/**
 * d objective / d logits of every row, for the plan's targets ('predicted' resolved from these
 * logits) and objective: what an adapter that only knows d logits / d input chains through.
 */
export function logitGradient(plan: GradientPlan, logits: TensorData): Float32Array {
  checkPlanClasses(plan, logits.shape[1]!);
  const targets = plan.targets === 'predicted' ? argmaxRows(logits) : plan.targets;
  return objectiveAndLogitGradient(logits, targets, plan.objective).gradient;
}

/** The checked layer names (each once) and seed (default 0) of a `randomizedCopy` call. */
export function checkRandomizeRequest(
  facts: Pick<ModelFacts, 'disposed' | 'createdBy'>,
  layers: readonly string[],
  options: RandomizeOptions | undefined,
): { layers: string[]; seed: number } {
  if (facts.disposed) throw disposedError(facts);
  if (!Array.isArray(layers) || layers.some((name) => typeof name !== 'string')) {
    throw new OptionError(`randomizedCopy takes an array of layer names from model.layers(); got ${JSON.stringify(layers)}.`);
  }
  const seed = options?.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new OptionError(`The seed of randomizedCopy must be an integer; got ${seed}.`);
  return { layers: [...new Set(layers)], seed };
}
