import type {
  BackwardRuleKind,
  BackwardRules,
  LayerInfo,
  Layout,
  Model,
  ModelFacts,
  ModelOutputs,
  ModelRequest,
  Objective,
  OutputName,
  RandomizeOptions,
  RequestPlan,
  TensorData,
} from '@salience/core';
import { argmaxRows, checkPlanClasses, checkRandomizeRequest, ModelError, OptionError, planRequest, ShapeError, throwIfAborted } from '@salience/core';
import { checkGradients, ModelGraph, type ObjectiveKind } from '@salience/onnx-autodiff';
import { chunkRanges, firstRows, joinChunks, paddedRows } from './chunks.js';
import { CompanionInputs } from './context.js';
import { type EmbeddingPoint, embeddingInputGraph, findEmbedding } from './embedding.js';
import { fromBuildFailure, fromRuntimeFailure } from './error-mapping.js';
import { ExtendedGraphs, type ExtendedSession, type GraphSpec } from './extended-graphs.js';
import { externalLocations, readExternalData } from './external-data.js';
import { attributedInput, companionsOf } from './graph-inputs.js';
import { type GraphSignature, readSignature } from './graph-signature.js';
import { LayerCatalogue } from './layers.js';
import { loadSource } from './model-source.js';
import { checkOptions, defaultMaxPoolTies, type MaxPoolTies, type OnnxModelOptions, type OnnxModelSource } from './options.js';
import type { FedType, OrtModule, SessionOptions, Tensor } from './ort-types.js';
import { randomizedModel } from './randomization.js';
import { disposeAll, fedTensor, ortTensor, readFloat } from './runtime-io.js';
import { bucketLength, canBucket, cutTokens, padRequest } from './sequence-buckets.js';
import { type SharedWeights, sharedWeights, withSharedWeights } from './shared-weights.js';

/** An ONNX model seen as a salience `Model`. */
export interface OnnxModel extends Model {
  /** The graph input that is explained, and the output read as logits. */
  readonly inputName: string;
  readonly outputName: string;
  /** Element type of the input: float32 images or features, int64/int32 token ids. */
  readonly inputType: FedType;
  /**
   * The other graph inputs, fed with every row and never perturbed: derived from the ids
   * (attention_mask, token_type_ids, position_ids) or given in `request.context`.
   */
  readonly contextNames: readonly string[];
  /** The tensor holding a token model's embeddings (a Gather's output), when there is one. */
  readonly embedding: string | undefined;
  /** The MaxPool tie rule of the gradient graphs. */
  readonly maxPoolTies: MaxPoolTies;
  /**
   * Why gradients with respect to the input (or the embeddings) cannot be built, e.g. a
   * GradientsUnavailableError naming the op and the node; undefined when they can. Layer gradients may
   * still work for layers after the unsupported node.
   */
  readonly gradientError: Error | undefined;
  /**
   * A copy whose named layers have fresh weights, drawn as PyTorch's `reset_parameters` draws them
   * (seeded): a module name re-initialises every weight inside the module, a tensor name those of
   * the node that computes it. The copy is a model of its own: dispose it when done.
   */
  randomizedCopy(layers: readonly string[], options?: RandomizeOptions): Promise<OnnxModel>;
  /** The other inputs this model derives from real token ids: attention_mask, token_type_ids, position_ids. */
  contextOf(input: TensorData): Readonly<Record<string, TensorData>>;
}

interface Produced {
  readonly logits: TensorData;
  /** Kept tensors and gradients, by the tensor of the original graph. */
  readonly kept: ReadonlyMap<string, TensorData>;
  readonly gradients: ReadonlyMap<string, TensorData>;
}

type Plan = RequestPlan;

/** The objective graph that computes an objective: cross-entropy is the log-probability weighted by -labels. */
function objectiveKind(objective: Objective): ObjectiveKind {
  if (typeof objective === 'object') return 'log-probability';
  return objective;
}

/** Class weights per row: one-hot targets, or -labels (soft or one-hot) for cross-entropy. */
function targetWeights(targets: Int32Array, classes: number, objective: Objective): Float32Array {
  const rows = targets.length;
  const weights = new Float32Array(rows * classes);
  if (typeof objective === 'object') {
    const labels = objective.labels;
    if (labels) for (let i = 0; i < weights.length; i++) weights[i] = -labels.data[i]!;
    else for (let r = 0; r < rows; r++) weights[r * classes + targets[r]!] = -1;
    return weights;
  }
  for (let r = 0; r < rows; r++) weights[r * classes + targets[r]!] = 1;
  return weights;
}

class OnnxAdapter implements OnnxModel {
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName>;
  readonly backwardRules: ReadonlySet<BackwardRuleKind>;
  readonly runsFromLayers: boolean;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: FedType;
  readonly contextNames: readonly string[];
  readonly embedding: string | undefined;
  readonly maxPoolTies: MaxPoolTies;
  readonly gradientError: Error | undefined;
  private classes: number | undefined;
  private disposed = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly signature: GraphSignature,
    private readonly catalogue: LayerCatalogue,
    private readonly embeddingPoint: EmbeddingPoint | undefined,
    private readonly graphs: ExtendedGraphs,
    private readonly companions: CompanionInputs,
    /** The inputs of the graph that a spec runs: the model's, or those of its embeddings-input graph. */
    private readonly inputsOf: (fromEmbeddings: boolean) => readonly string[],
    maxPoolTies: MaxPoolTies,
    gradientError: Error | undefined,
    private readonly randomized: (layers: readonly string[], seed: number) => Promise<OnnxModel>,
    /** Token models: requests run at a multiple of this many tokens (ids padded, masked out), so lengths share graphs. */
    private readonly buckets?: { readonly size: number; readonly padId: number },
  ) {
    this.layout = signature.layout;
    this.inputShape = signature.inputShape;
    this.inputName = signature.input;
    this.outputName = signature.output;
    this.inputType = signature.inputType;
    this.contextNames = companions.names;
    this.embedding = embeddingPoint?.tensor;
    this.maxPoolTies = maxPoolTies;
    this.gradientError = gradientError;
    this.classes = signature.classes;
    const capabilities = new Set<OutputName>(['logits']);
    if (catalogue.list.length > 0) {
      capabilities.add('layerActivations');
      capabilities.add('layerGradients');
    }
    if (this.layout !== 'tokens' && !gradientError) capabilities.add('inputGradients');
    if (embeddingPoint) {
      capabilities.add('embeddings');
      if (!gradientError) capabilities.add('embeddingGradients');
    }
    this.capabilities = capabilities;
    // Any layer's tensor can become an input of a cut graph (see layer-input.ts).
    this.runsFromLayers = catalogue.list.length > 0;
    // salience builds the backward graph itself, so any op's rule can be replaced.
    this.backwardRules = new Set<BackwardRuleKind>(
      capabilities.has('inputGradients') || capabilities.has('layerGradients')
        ? [
            'guided',
            'deconvnet',
            'rescale',
            'lrp-epsilon',
            'lrp-epsilon-plus-flat',
            'lrp-epsilon-gamma-box',
            'lrp-epsilon-plus',
            'lrp-epsilon-alpha2-beta1',
            'lrp-epsilon-alpha2-beta1-flat',
            'lrp-layer-map',
          ]
        : [],
    );
  }

  layers(): readonly LayerInfo[] {
    return this.catalogue.list;
  }

  contextOf(input: TensorData): Readonly<Record<string, TensorData>> {
    return this.companions.derive(input);
  }

  async randomizedCopy(layers: readonly string[], options?: RandomizeOptions): Promise<OnnxModel> {
    const request = checkRandomizeRequest(this.facts(), layers, options);
    return this.randomized(request.layers, request.seed);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.graphs.release();
  }

  /** Opens the session of plain inference, so that a model the runtime cannot load fails at once. */
  async open(): Promise<void> {
    await this.graphs.get({ fromEmbeddings: false, keep: [] });
  }

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    const asked = planRequest(this.facts(), request);
    // Every other input, given or derived from the (real) ids, checked before anything runs.
    const resolved = this.companions.resolve(asked.input, request.context);
    throwIfAborted(asked.signal);
    const tokens = asked.input.shape[1]!;
    const { buckets } = this;
    // Only a sequence dim the graph leaves free can be padded.
    const length = (buckets && this.layout === 'tokens' && typeof this.inputShape[1] !== 'number' ? bucketLength(tokens, buckets.size) : tokens)!;
    if (length === tokens || !buckets || !canBucket(asked, this.companions.companions, request.backward !== undefined)) return this.runPlan(request, asked, resolved);
    // Padded to the bucket's length and cut back: real tokens attend only to real tokens.
    const padded = padRequest(asked, resolved, this.companions.companions, length, buckets.padId);
    const result: Partial<Record<OutputName, TensorData>> = await this.runPlan(request, padded.plan, padded.context);
    for (const name of ['embeddings', 'embeddingGradients'] as const) {
      const t = result[name];
      if (t) result[name] = cutTokens(t, tokens);
    }
    return result as Pick<ModelOutputs, K>;
  }

  private async runPlan<K extends OutputName>(request: ModelRequest<K>, plan: Plan, context: ReadonlyMap<string, TensorData>): Promise<Pick<ModelOutputs, K>> {
    let targets = plan.targets;
    if (plan.gradients && (targets === 'predicted' || this.classes === undefined)) {
      // The targets need the logits (or the number of classes) before the gradient graph can be fed.
      const fromEmbeddings = plan.embeddings !== undefined;
      const prior: GraphSpec = { fromEmbeddings, keep: [], inputShapes: this.inputShapesOf(fromEmbeddings, plan, context) };
      const { logits } = await this.execute(prior, plan, context, undefined);
      const classes = this.classes!;
      checkPlanClasses(plan, classes);
      if (targets === 'predicted') targets = argmaxRows(logits);
    }
    if (request.backward?.rescale && this.signature.fixedBatch !== undefined) {
      throw new OptionError(
        `The model fixes its batch at ${this.signature.fixedBatch}, so rows cannot be paired with their baselines for the rescale rule; export it with a dynamic batch.`,
      );
    }
    const spec = this.specOf(plan, context, request.backward);
    const weights = plan.gradients ? targetWeights(targets as Int32Array, this.classes!, plan.objective) : undefined;
    const produced = await this.execute(spec, plan, context, weights);
    throwIfAborted(plan.signal);
    return this.answer(plan, produced);
  }

  /** What the request rules of core need to know about this model. */
  private facts(): ModelFacts {
    return {
      layout: this.layout,
      inputShape: this.inputShape,
      capabilities: this.capabilities,
      backwardRules: this.backwardRules,
      disposed: this.disposed,
      createdBy: 'fromOnnx',
      classes: this.classes,
      vocabulary: this.embeddingPoint?.vocabulary,
      embeddingWidth: this.embeddingPoint?.dimension,
      contextInputs: this.contextNames,
      inputName: this.inputName,
      resolveLayer: (name) => this.catalogue.tensorOf(name),
      runsFromLayers: this.runsFromLayers,
      layerShape: (tensor) => this.catalogue.list.find((l) => this.catalogue.find(l.name) === tensor)?.outputShape,
      // Input (or embedding) gradients cross the op without a rule; layer gradients may not.
      whyUnavailable: (output) => (output === 'inputGradients' || output === 'embeddingGradients' ? this.gradientError : undefined),
    };
  }

  /**
   * The concrete dims of every graph input a spec's graph is fed with, as each chunk feeds them
   * (a fixed batch pads to its size), so that gradient graphs can be specialised to them.
   */
  private inputShapesOf(fromEmbeddings: boolean, plan: Plan, context: ReadonlyMap<string, TensorData>): Record<string, readonly number[]> {
    const batch = this.signature.fixedBatch ?? plan.rows;
    const shapes: Record<string, readonly number[]> = {};
    for (const name of this.inputsOf(fromEmbeddings)) {
      const fed = name === this.inputName ? plan.input : name === this.embeddingPoint?.tensor && plan.embeddings ? plan.embeddings : context.get(name);
      if (fed) shapes[name] = [batch, ...fed.shape.slice(1)];
    }
    return shapes;
  }

  private specOf(plan: Plan, context: ReadonlyMap<string, TensorData>, backward?: BackwardRules): GraphSpec {
    // Logits from given activations: the graph cut at the layer.
    if (plan.layerActivations) return { fromEmbeddings: false, keep: [], fromLayer: plan.layer };
    const wanted = new Set(plan.outputs);
    const fromEmbeddings = plan.embeddings !== undefined;
    const inputShapes = this.inputShapesOf(fromEmbeddings, plan, context);
    const keep: string[] = [];
    if (wanted.has('layerActivations')) keep.push(plan.layer!);
    const embedding = this.embeddingPoint?.tensor;
    if (wanted.has('embeddings') && !fromEmbeddings) keep.push(embedding!);
    if (!plan.gradients) return { fromEmbeddings, keep, inputShapes };
    const wrt: string[] = [];
    if (wanted.has('inputGradients')) wrt.push(this.inputName);
    if (wanted.has('layerGradients')) wrt.push(plan.layer!);
    if (wanted.has('embeddingGradients')) wrt.push(embedding!);
    return { fromEmbeddings, keep, inputShapes, gradients: { objective: objectiveKind(plan.objective), wrt, backward } };
  }

  /** Runs one extended graph over the request's rows (in chunks when the graph fixes the batch). */
  private async execute(spec: GraphSpec, plan: Plan, context: ReadonlyMap<string, TensorData>, weights: Float32Array | undefined): Promise<Produced> {
    const extended = await this.graphs.get(spec);
    const kept = spec.keep.map((t) => [t, extended.kept[t]!] as const);
    const gradients = (spec.gradients?.wrt ?? []).map((t) => [t, extended.gradients[t]!] as const);
    const names = [...new Set([this.outputName, ...kept.map(([, n]) => n), ...gradients.map(([, n]) => n)])];
    const parts = new Map<string, TensorData[]>(names.map((n) => [n, []]));
    for (const [start, end] of chunkRanges(plan.rows, this.signature.fixedBatch)) {
      throwIfAborted(plan.signal);
      const size = this.signature.fixedBatch ?? end - start;
      const outputs = await this.runChunk(extended, names, plan, context, weights, start, end, size);
      for (const name of names) parts.get(name!)!.push(firstRows(outputs.get(name!)!, end - start));
    }
    const joined = (name: string) => joinChunks(parts.get(name)!);
    const logits = joined(this.outputName);
    this.checkLogits(logits, plan.rows);
    return {
      logits,
      kept: new Map(kept.map(([t, n]) => [t, joined(n!)])),
      gradients: new Map(gradients.map(([t, n]) => [t, joined(n!)])),
    };
  }

  private async runChunk(
    extended: ExtendedSession,
    names: readonly string[],
    plan: Plan,
    context: ReadonlyMap<string, TensorData>,
    weights: Float32Array | undefined,
    start: number,
    end: number,
    size: number,
  ): Promise<Map<string, TensorData>> {
    const { ort } = this;
    const feeds: Record<string, Tensor> = {};
    const rowsOf = (t: TensorData) => paddedRows(t.data, t.data.length / plan.rows, start, end, size);
    const dims = (t: TensorData) => [size, ...t.shape.slice(1)];
    let results: Record<string, Tensor> | undefined;
    try {
      if (extended.inputs.includes(this.inputName)) feeds[this.inputName] = fedTensor(ort, this.inputType, rowsOf(plan.input), dims(plan.input));
      if (plan.embeddings && this.embeddingPoint) feeds[this.embeddingPoint.tensor] = ortTensor(ort, 'float32', rowsOf(plan.embeddings), dims(plan.embeddings));
      if (extended.layerInput && plan.layerActivations) feeds[extended.layerInput] = ortTensor(ort, 'float32', rowsOf(plan.layerActivations), dims(plan.layerActivations));
      for (const companion of this.companions.companions) {
        const rows = context.get(companion.name)!;
        if (extended.inputs.includes(companion.name)) feeds[companion.name] = fedTensor(ort, companion.type, rowsOf(rows), dims(rows));
      }
      if (extended.targetInput) {
        const classes = this.classes!;
        feeds[extended.targetInput] = ortTensor(ort, 'float32', paddedWeights(weights!, classes, start, end, size), [size, classes]);
      }
      try {
        results = (await extended.session.run(feeds, names)) as Record<string, Tensor>;
      } catch (error) {
        throw fromRuntimeFailure(error, 'run the model');
      }
      const out = new Map<string, TensorData>();
      for (const name of names) out.set(name, await readFloat(results[name], name));
      return out;
    } finally {
      disposeAll(Object.values(feeds));
      if (results) disposeAll(Object.values(results));
    }
  }

  private checkLogits(logits: TensorData, rows: number): void {
    if (logits.shape.length !== 2 || logits.shape[0] !== rows) {
      throw new ShapeError(`Output '${this.outputName}' has shape [${logits.shape.join(', ')}]; salience needs logits of shape [${rows}, classes].`);
    }
    if (this.classes === undefined) this.classes = logits.shape[1];
    else if (logits.shape[1] !== this.classes) {
      throw new ModelError('The model changed its number of classes', new Error(`${this.classes} before, ${logits.shape[1]} now`));
    }
  }

  private answer<K extends OutputName>(plan: Plan, produced: Produced): Pick<ModelOutputs, K> {
    const result: Partial<Record<OutputName, TensorData>> = {};
    for (const output of plan.outputs) {
      if (output === 'logits') result.logits = produced.logits;
      else if (output === 'layerActivations') result.layerActivations = produced.kept.get(plan.layer!);
      else if (output === 'layerGradients') result.layerGradients = produced.gradients.get(plan.layer!);
      else if (output === 'inputGradients') result.inputGradients = produced.gradients.get(this.inputName);
      else if (output === 'embeddingGradients') result.embeddingGradients = idsShaped(produced.gradients.get(this.embedding!)!, plan.input);
      else if (output === 'embeddings') {
        // Embeddings run from are answered as given; looked-up ones are read off the graph.
        result.embeddings = plan.embeddings
          ? { data: Float32Array.from(plan.embeddings.data), shape: [...plan.embeddings.shape] }
          : idsShaped(produced.kept.get(this.embedding!)!, plan.input);
      }
    }
    return result as Pick<ModelOutputs, K>;
  }
}

/**
 * Embeddings (or their gradients) as [B, T, D]: a lookup of the ids reshaped on the way (GPT-2's
 * Reshape, an Unsqueeze) gives the same values in the same order, in another shape.
 */
function idsShaped(t: TensorData, ids: TensorData): TensorData {
  const positions = ids.shape.reduce((a, b) => a * b, 1);
  const shape = [...ids.shape, t.data.length / positions];
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : { data: t.data, shape };
}

/** Class weights of rows [start, end), padded with zero rows (padding rows differentiate nothing). */
function paddedWeights(weights: Float32Array, classes: number, start: number, end: number, size: number): Float32Array {
  const rows = weights.subarray(start * classes, end * classes);
  if (end - start === size) return rows;
  const out = new Float32Array(size * classes);
  out.set(rows);
  return out;
}

/**
 * Session options that carry the model's external data files (weights kept beside the model, as
 * models over 2 GB must be), read from beside a model opened from a path or URL. Every session is
 * created from bytes, which carry no folder.
 */
async function withExternalData(graph: ModelGraph, source: OnnxModelSource, sessionOptions: SessionOptions | undefined): Promise<SessionOptions | undefined> {
  const locations = externalLocations(graph);
  if (locations.length === 0 || sessionOptions?.externalData) return sessionOptions;
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new OptionError(
      `The model keeps its weights in ${locations.map((l) => `'${l}'`).join(', ')}; open it from its path (fromOnnx(ort, 'model.onnx') reads them from beside it) or pass them as sessionOptions.externalData: [{ path: '${locations[0]}', data: bytes }].`,
    );
  }
  return { ...sessionOptions, externalData: await readExternalData(locations, source) };
}

/** Differentiates the logits with respect to `wrt` without building a session: does the graph have a rule for every op on the way? */
function gradientProblem(graph: ModelGraph, output: string, wrt: string, options: OnnxModelOptions, maxPoolTies: MaxPoolTies): Error | undefined {
  try {
    // Whether every op on the way has a rule; what depends on shapes is settled per request, when the
    // graph is specialised to the request's shapes (dynamic-axis exports know them only then).
    checkGradients(graph, { of: output, wrt: [wrt], customGradients: options.customGradients, maxPoolTies, clipBounds: options.clipBounds });
    return undefined;
  } catch (error) {
    const mapped = fromBuildFailure(error, `'${wrt}'`);
    // Broken custom gradient graphs are the caller's to fix now, not a property of the model.
    if (mapped instanceof OptionError) throw mapped;
    return mapped;
  }
}

/**
 * Wraps an ONNX model as a salience `Model`. `ort` is your `onnxruntime-node` or `onnxruntime-web`
 * module; the model comes as bytes (or a path or URL, or `{ bytes, session }`), because gradient
 * graphs are built from the bytes. Logits come from plain inference; gradients from the model
 * extended with reverse-mode nodes (@salience/onnx-autodiff), built once per kind of request and
 * run in the same runtime with your session options.
 */
export async function fromOnnx(ort: OrtModule, source: OnnxModelSource, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  if (!ort || typeof ort.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function') {
    throw new OptionError("fromOnnx takes your ONNX Runtime module first: `import * as ort from 'onnxruntime-node'; await fromOnnx(ort, bytes)`.");
  }
  const problems = checkOptions(options);
  if (problems.length > 0) throw new OptionError((problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`)!);
  const loaded = await loadSource(source);
  let graph: ModelGraph;
  let shared: SharedWeights;
  try {
    // Graphs are built from the model without its weights; every session reads them from these bytes.
    shared = sharedWeights(loaded.bytes);
    graph = ModelGraph.decode(shared.bytes);
  } catch (error) {
    throw new ModelError('Cannot read the ONNX model', error);
  }
  const sessionOptions = withSharedWeights(await withExternalData(graph, source, options.sessionOptions), shared.weights);
  const signature = readSignature(graph, { ...options, input: attributedInput(graph, options.input) });
  const tokens = signature.layout === 'tokens';
  const catalogue = new LayerCatalogue(graph, signature.input);
  if (!tokens && options.embedding !== undefined) throw new OptionError('The embedding option is for token models (integer id inputs).');
  if (!tokens && options.padId !== undefined) throw new OptionError('The padId option is for token models (integer id inputs): it derives their attention_mask.');
  const explained = { name: signature.input, dims: signature.inputDims, tokens };
  const companions = new CompanionInputs(companionsOf(graph, signature.input, tokens, signature.fixedBatch), explained, options.padId === undefined ? 0 : options.padId);
  const embeddingPoint = signature.layout === 'tokens' ? findEmbedding(graph, signature.input, options.embedding, catalogue) : undefined;
  const maxPoolTies = options.maxPoolTies ?? defaultMaxPoolTies(options.sessionOptions);
  const wrt = signature.layout === 'tokens' ? embeddingPoint?.tensor : signature.input;
  const gradientError = wrt === undefined ? undefined : gradientProblem(graph, signature.output, wrt, options, maxPoolTies);
  let embeddingGraph: ModelGraph | undefined;
  const embeddingGraphOf = embeddingPoint ? () => (embeddingGraph ??= embeddingInputGraph(graph, embeddingPoint, signature.input)) : undefined;
  const graphs = new ExtendedGraphs({
    ort,
    bytes: shared.bytes,
    graph,
    embeddingGraph: embeddingGraphOf,
    output: signature.output,
    sessionOptions,
    customGradients: options.customGradients,
    maxPoolTies,
    clipBounds: options.clipBounds,
    userSession: loaded.session,
    forwardKeeps: embeddingPoint ? [embeddingPoint.tensor] : undefined,
  });
  // A randomised copy is opened like the original, from its own bytes (never the caller's session).
  // It needs the weights themselves: the whole model, decoded again (the views share its bytes).
  const randomized = (layers: readonly string[], seed: number) =>
    fromOnnx(ort, randomizedModel(shared.weights ? ModelGraph.decode(loaded.bytes) : graph, catalogue, layers, seed), options);
  const inputsOf = (fromEmbeddings: boolean) => (fromEmbeddings && embeddingGraphOf ? embeddingGraphOf() : graph).inputs;
  const buckets = tokens && options.sequenceBucket ? { size: options.sequenceBucket, padId: options.padId ?? 0 } : undefined;
  const model = new OnnxAdapter(ort, signature, catalogue, embeddingPoint, graphs, companions, inputsOf, maxPoolTies, gradientError, randomized, buckets);
  try {
    await model.open();
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
