import type { LayerInfo, Layout, Model, ModelOutputs, ModelRequest, Objective, OutputName, RandomizeOptions, TensorData } from '@salience/core';
import {
  GRADIENT_OUTPUTS,
  ModelError,
  OptionError,
  ShapeError,
  TargetError,
  argmaxRows,
  assertCapabilities,
  checkInput,
  checkObjective,
  rowTargets,
  throwIfAborted,
} from '@salience/core';
import { ModelGraph, type ObjectiveKind, buildGradients } from '@salience/onnx-autodiff';
import { chunkRanges, firstRows, joinChunks, paddedRows } from './chunks.js';
import { type EmbeddingPoint, embeddingInputGraph, findEmbedding } from './embedding.js';
import { fromBuildFailure, fromRuntimeFailure } from './error-mapping.js';
import { type ExtendedSession, ExtendedGraphs, type GraphSpec } from './extended-graphs.js';
import { type GraphSignature, readSignature } from './graph-signature.js';
import { LayerCatalogue } from './layers.js';
import { loadSource } from './model-source.js';
import { checkRandomizeRequest, randomizedModel } from './randomization.js';
import { type MaxPoolTies, type OnnxModelOptions, type OnnxModelSource, checkOptions, defaultMaxPoolTies } from './options.js';
import type { FedType, OrtModule, Tensor } from './ort-types.js';
import { disposeAll, idsAs, ortTensor, readFloat } from './runtime-io.js';

/** An ONNX model seen as a salience `Model`. */
export interface OnnxModel extends Model {
  /** The graph input that is fed, and the output read as logits. */
  readonly inputName: string;
  readonly outputName: string;
  /** Element type of the input: float32 images or features, int64/int32 token ids. */
  readonly inputType: FedType;
  /** The tensor holding a token model's embeddings (a Gather's output), when there is one. */
  readonly embedding: string | undefined;
  /** The MaxPool tie rule of the gradient graphs. */
  readonly maxPoolTies: MaxPoolTies;
  /**
   * Why gradients with respect to the input (or the embeddings) cannot be built, e.g. an
   * UnsupportedOpError naming the op and the node; undefined when they can. Layer gradients may
   * still work for layers after the unsupported node.
   */
  readonly gradientError: Error | undefined;
  /**
   * A copy whose named layers have fresh weights, drawn as PyTorch's `reset_parameters` draws them
   * (seeded): a module name re-initialises every weight inside the module, a tensor name those of
   * the node that computes it. The copy is a model of its own: dispose it when done.
   */
  randomizedCopy(layers: readonly string[], options?: RandomizeOptions): Promise<OnnxModel>;
}

const KNOWN_OUTPUTS: readonly OutputName[] = ['logits', 'inputGradients', 'layerActivations', 'layerGradients', 'embeddings', 'embeddingGradients'];

interface Produced {
  readonly logits: TensorData;
  /** Kept tensors and gradients, by the tensor of the original graph. */
  readonly kept: ReadonlyMap<string, TensorData>;
  readonly gradients: ReadonlyMap<string, TensorData>;
}

interface Plan {
  readonly outputs: readonly OutputName[];
  readonly input: TensorData;
  readonly rows: number;
  readonly layer: string | undefined;
  readonly embeddings: TensorData | undefined;
  readonly gradients: boolean;
  readonly targets: Int32Array | 'predicted' | undefined;
  readonly objective: Objective;
  readonly signal: AbortSignal | undefined;
}

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
    if (labels) for (let i = 0; i < weights.length; i++) weights[i] = -labels.data[i];
    else for (let r = 0; r < rows; r++) weights[r * classes + targets[r]] = -1;
    return weights;
  }
  for (let r = 0; r < rows; r++) weights[r * classes + targets[r]] = 1;
  return weights;
}

function checkClasses(targets: Int32Array, classes: number): void {
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] >= classes) throw new TargetError(`Target [${i}] is class ${targets[i]}, but the model has ${classes} classes (0..${classes - 1}).`);
  }
}

class OnnxAdapter implements OnnxModel {
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName>;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: FedType;
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
    maxPoolTies: MaxPoolTies,
    gradientError: Error | undefined,
    private readonly randomized: (layers: readonly string[], seed: number) => Promise<OnnxModel>,
  ) {
    this.layout = signature.layout;
    this.inputShape = signature.inputShape;
    this.inputName = signature.input;
    this.outputName = signature.output;
    this.inputType = signature.inputType;
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
  }

  layers(): readonly LayerInfo[] {
    return this.catalogue.list;
  }

  async randomizedCopy(layers: readonly string[], options?: RandomizeOptions): Promise<OnnxModel> {
    if (this.disposed) throw new OptionError('This model was disposed; create a new one with fromOnnx.');
    const request = checkRandomizeRequest(layers, options);
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
    const plan = this.plan(request);
    throwIfAborted(plan.signal);
    let targets = plan.targets;
    if (plan.gradients && (targets === 'predicted' || this.classes === undefined)) {
      // The targets need the logits (or the number of classes) before the gradient graph can be fed.
      const { logits } = await this.execute({ fromEmbeddings: plan.embeddings !== undefined, keep: [] }, plan, undefined);
      const classes = this.classes!;
      if (targets === 'predicted') targets = argmaxRows(logits);
      else checkClasses(targets!, classes);
      checkObjective(plan.objective, plan.rows, classes);
    }
    const spec = this.specOf(plan);
    const weights = plan.gradients ? targetWeights(targets as Int32Array, this.classes!, plan.objective) : undefined;
    const produced = await this.execute(spec, plan, weights);
    throwIfAborted(plan.signal);
    return this.answer(plan, produced);
  }

  /** Every check that can fail before the runtime is called. */
  private plan(request: ModelRequest): Plan {
    if (this.disposed) throw new OptionError('This model was disposed; create a new one with fromOnnx.');
    if (!request || typeof request !== 'object') throw new OptionError('run() takes a request: { input, outputs, target?, ... }.');
    if (!Array.isArray(request.outputs) || request.outputs.length === 0) throw new OptionError(`Ask for at least one output: ${KNOWN_OUTPUTS.join(', ')}.`);
    const outputs = [...new Set(request.outputs)];
    const gradients = outputs.some((o) => GRADIENT_OUTPUTS.includes(o));
    if (this.gradientError && (outputs.includes('inputGradients') || outputs.includes('embeddingGradients'))) throw this.gradientError;
    assertCapabilities(this, outputs, 'This request');
    checkInput(this, request.input);
    if (this.layout === 'tokens') this.checkIds(request.input);
    const rows = request.input.shape[0];

    const wantsLayer = outputs.includes('layerActivations') || outputs.includes('layerGradients');
    let layer: string | undefined;
    if (wantsLayer) {
      if (typeof request.layer !== 'string') throw new OptionError('layerActivations and layerGradients need request.layer, a name from model.layers().');
      layer = this.catalogue.tensorOf(request.layer);
    }
    if (request.embeddings !== undefined) this.checkEmbeddings(request.embeddings, request.input);

    let targets: Int32Array | 'predicted' | undefined;
    const objective = request.objective ?? 'logit';
    if (gradients) {
      targets = request.target === 'predicted' ? 'predicted' : rowTargets(request.target, rows);
      if (targets !== 'predicted' && this.classes !== undefined) checkClasses(targets, this.classes);
      checkObjective(objective, rows, this.classes);
    }
    return { outputs, input: request.input, rows, layer, embeddings: request.embeddings, gradients, targets, objective, signal: request.signal };
  }

  private checkIds(input: TensorData): void {
    const vocabulary = this.embeddingPoint?.vocabulary;
    for (let i = 0; i < input.data.length; i++) {
      const id = input.data[i];
      if (!Number.isInteger(id) || id < 0 || (vocabulary !== undefined && id >= vocabulary)) {
        throw new ShapeError(`Token id ${id} at position ${i} is not a valid id (${vocabulary !== undefined ? `0..${vocabulary - 1}` : 'non-negative integers'}).`);
      }
    }
  }

  private checkEmbeddings(embeddings: TensorData, input: TensorData): void {
    if (!this.embeddingPoint) throw new OptionError('request.embeddings is for token models with an embedding lookup (see the embedding option).');
    const [rows, tokens] = input.shape;
    const width = this.embeddingPoint.dimension;
    const shape = embeddings?.shape;
    if (!Array.isArray(shape) || shape.length !== 3 || shape[0] !== rows || shape[1] !== tokens || (width !== undefined && shape[2] !== width)) {
      throw new ShapeError(`request.embeddings has shape [${shape?.join(', ')}]; expected [${rows}, ${tokens}, ${width ?? 'D'}] for ids of shape [${input.shape.join(', ')}].`);
    }
    if (embeddings.data.length !== rows * tokens * shape[2]) {
      throw new ShapeError(`request.embeddings has ${embeddings.data.length} values but its shape [${shape.join(', ')}] needs ${rows * tokens * shape[2]}.`);
    }
  }

  private specOf(plan: Plan): GraphSpec {
    const wanted = new Set(plan.outputs);
    const fromEmbeddings = plan.embeddings !== undefined;
    const keep: string[] = [];
    if (wanted.has('layerActivations')) keep.push(plan.layer!);
    const embedding = this.embeddingPoint?.tensor;
    if (wanted.has('embeddings') && !fromEmbeddings) keep.push(embedding!);
    if (!plan.gradients) return { fromEmbeddings, keep };
    const wrt: string[] = [];
    if (wanted.has('inputGradients')) wrt.push(this.inputName);
    if (wanted.has('layerGradients')) wrt.push(plan.layer!);
    if (wanted.has('embeddingGradients')) wrt.push(embedding!);
    return { fromEmbeddings, keep, gradients: { objective: objectiveKind(plan.objective), wrt } };
  }

  /** Runs one extended graph over the request's rows (in chunks when the graph fixes the batch). */
  private async execute(spec: GraphSpec, plan: Plan, weights: Float32Array | undefined): Promise<Produced> {
    const extended = await this.graphs.get(spec);
    const kept = spec.keep.map((t) => [t, extended.kept[t]] as const);
    const gradients = (spec.gradients?.wrt ?? []).map((t) => [t, extended.gradients[t]] as const);
    const names = [...new Set([this.outputName, ...kept.map(([, n]) => n), ...gradients.map(([, n]) => n)])];
    const parts = new Map<string, TensorData[]>(names.map((n) => [n, []]));
    for (const [start, end] of chunkRanges(plan.rows, this.signature.fixedBatch)) {
      throwIfAborted(plan.signal);
      const size = this.signature.fixedBatch ?? end - start;
      const outputs = await this.runChunk(extended, names, plan, weights, start, end, size);
      for (const name of names) parts.get(name)!.push(firstRows(outputs.get(name)!, end - start));
    }
    const joined = (name: string) => joinChunks(parts.get(name)!);
    const logits = joined(this.outputName);
    this.checkLogits(logits, plan.rows);
    return {
      logits,
      kept: new Map(kept.map(([t, n]) => [t, joined(n)])),
      gradients: new Map(gradients.map(([t, n]) => [t, joined(n)])),
    };
  }

  private async runChunk(
    extended: ExtendedSession,
    names: readonly string[],
    plan: Plan,
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
      if (extended.inputs.includes(this.inputName)) {
        const input = rowsOf(plan.input);
        feeds[this.inputName] =
          this.inputType === 'float32' ? ortTensor(ort, 'float32', input, dims(plan.input)) : ortTensor(ort, this.inputType, idsAs(this.inputType, input) as never, dims(plan.input));
      }
      if (plan.embeddings && this.embeddingPoint) feeds[this.embeddingPoint.tensor] = ortTensor(ort, 'float32', rowsOf(plan.embeddings), dims(plan.embeddings));
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
      else if (output === 'embeddingGradients') result.embeddingGradients = produced.gradients.get(this.embedding!);
      else if (output === 'embeddings') {
        // Embeddings run from are answered as given; looked-up ones are read off the graph.
        result.embeddings = plan.embeddings ? { data: Float32Array.from(plan.embeddings.data), shape: [...plan.embeddings.shape] } : produced.kept.get(this.embedding!);
      }
    }
    return result as Pick<ModelOutputs, K>;
  }
}

/** Class weights of rows [start, end), padded with zero rows (padding rows differentiate nothing). */
function paddedWeights(weights: Float32Array, classes: number, start: number, end: number, size: number): Float32Array {
  const rows = weights.subarray(start * classes, end * classes);
  if (end - start === size) return rows;
  const out = new Float32Array(size * classes);
  out.set(rows);
  return out;
}

/** Differentiates the logits with respect to `wrt` without building a session: does the graph have a rule for every op on the way? */
function gradientProblem(graph: ModelGraph, output: string, wrt: string, options: OnnxModelOptions, maxPoolTies: MaxPoolTies): Error | undefined {
  try {
    // Built on a fork and never serialised: only whether it can be built matters here.
    buildGradients(graph.fork(), { of: output, wrt: [wrt], customGradients: options.customGradients, maxPoolTies });
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
  if (problems.length > 0) throw new OptionError(problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`);
  const loaded = await loadSource(source);
  let graph: ModelGraph;
  try {
    graph = ModelGraph.decode(loaded.bytes);
  } catch (error) {
    throw new ModelError('Cannot read the ONNX model', error);
  }
  const signature = readSignature(graph, options);
  const others = graph.inputs.filter((name) => name !== signature.input);
  if (others.length > 0) {
    throw new OptionError(
      `The model takes other inputs besides '${signature.input}' (${others.map((n) => `'${n}'`).join(', ')}); salience feeds one input. Export a model whose other inputs are computed inside the graph or fixed as initializers.`,
    );
  }
  const catalogue = new LayerCatalogue(graph, signature.input);
  if (signature.layout !== 'tokens' && options.embedding !== undefined) throw new OptionError('The embedding option is for token models (integer id inputs).');
  const embeddingPoint = signature.layout === 'tokens' ? findEmbedding(graph, signature.input, options.embedding, catalogue) : undefined;
  const maxPoolTies = options.maxPoolTies ?? defaultMaxPoolTies(options.sessionOptions);
  const wrt = signature.layout === 'tokens' ? embeddingPoint?.tensor : signature.input;
  const gradientError = wrt === undefined ? undefined : gradientProblem(graph, signature.output, wrt, options, maxPoolTies);
  let embeddingGraph: ModelGraph | undefined;
  const graphs = new ExtendedGraphs({
    ort,
    bytes: loaded.bytes,
    graph,
    embeddingGraph: embeddingPoint ? () => (embeddingGraph ??= embeddingInputGraph(graph, embeddingPoint, signature.input)) : undefined,
    output: signature.output,
    sessionOptions: options.sessionOptions,
    customGradients: options.customGradients,
    maxPoolTies,
    userSession: loaded.session,
  });
  // A randomised copy is opened like the original, from its own bytes (never the caller's session).
  const randomized = (layers: readonly string[], seed: number) => fromOnnx(ort, randomizedModel(graph, catalogue, layers, seed), options);
  const model = new OnnxAdapter(ort, signature, catalogue, embeddingPoint, graphs, maxPoolTies, gradientError, randomized);
  try {
    await model.open();
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
