import type {
  BackwardRuleKind,
  BackwardRules,
  LayerInfo,
  Layout,
  Model,
  ModelFacts,
  ModelOutputs,
  ModelRequest,
  OutputName,
  RandomizeOptions,
  RequestPlan,
  TensorData,
} from '@salience/core';
import { checkPlanClasses, checkRandomizeRequest, GRADIENT_OUTPUTS, GradientsUnavailableError, OptionError, planRequest, ShapeError, throwIfAborted } from '@salience/core';
import { releaseAbandonedTape } from './abandoned-tape.js';
import { TFJS_BACKWARD_RULES, withReluRule, withRescaleRule } from './backward-rules.js';
import { borrowCpuBackwardKernels } from './cpu-kernel-fallback.js';
import { withoutFilterGradients } from './filter-gradients.js';
import { withFirstWinsMaxPool } from './first-wins-max-pool.js';
import { functionSource } from './function-source.js';
import { gradientsRegistered, noGradientsError } from './gradient-registry.js';
import { gradientTap } from './gradient-tap.js';
import { graphModelSource } from './graph-source.js';
import { layersModelSource } from './layers-source.js';
import { resolveLayout } from './layout.js';
import { explainFailure } from './model-failure.js';
import { objectiveSum } from './objective-tensor.js';
import type { TfjsModelOptions } from './options.js';
import type { ForwardHooks, Source } from './source.js';
import { type PausedTape, pauseTape } from './tape-pause.js';
import { readTensor, tensorFrom } from './tensor-data.js';
import type { Tensor, TfjsSource, TfNamespace } from './tf-types.js';
import { isGraphModel, isLayersModel } from './tf-types.js';

/** A tfjs model seen as a salience `Model`. */
export interface TfjsModel extends Model {
  /** What was wrapped. */
  readonly source: 'layers-model' | 'graph-model' | 'function';
  /** The dtype inputs are fed in ('int32' for token ids). */
  readonly inputDtype: 'float32' | 'int32';
  /** The layer, node or function whose output is the token embeddings, when there is one. */
  readonly embeddingLayer: string | undefined;
  /**
   * A copy whose named layers have fresh weights (see `Model.randomizedCopy`). LayersModels are
   * rebuilt from their configuration and re-initialised with each layer's own initializers,
   * seeded; GraphModels run with new values fed for the named nodes' weights. Absent for
   * functions. Dispose the copy when done: it frees the weights it owns, never the original's.
   */
  randomizedCopy?(layers: readonly string[], options?: RandomizeOptions): Promise<TfjsModel>;
}

function resolveInputShape(option: readonly (number | null)[] | undefined, declared: readonly (number | null)[] | undefined, kind: string) {
  const show = (shape: readonly (number | null)[]) => `[${shape.map(String).join(', ')}]`;
  if (option === undefined) {
    if (declared === undefined) {
      throw new OptionError(
        `Pass inputShape for a ${kind === 'function' ? 'function model' : 'model that does not declare it'}, with null for the batch: e.g. inputShape: [null, 28, 28, 1].`,
      );
    }
    return [...declared];
  }
  if (!Array.isArray(option) || option.some((d) => d !== null && !(Number.isInteger(d) && d > 0))) {
    throw new OptionError(`inputShape must be an array of positive integers or null; got ${JSON.stringify(option)}.`);
  }
  if (declared && (declared.length !== option.length || declared.some((d, i) => d !== null && option[i] !== null && d !== option[i]))) {
    throw new OptionError(`inputShape ${show(option)} does not fit the model's declared input ${show(declared)}.`);
  }
  return [...option];
}

function adaptSource(tf: TfNamespace, source: TfjsSource, options: TfjsModelOptions): Source {
  const fromFunctions = options.embed !== undefined || options.fromEmbeddings !== undefined;
  if (isGraphModel(source) || isLayersModel(source)) {
    if (fromFunctions) throw new OptionError('embed and fromEmbeddings are for function models; for a model, name its embedding with embeddingLayer.');
    if (isGraphModel(source)) return graphModelSource(tf, source, options.embeddingLayer, options.output);
    if (options.output !== undefined)
      throw new OptionError(
        'The output option is for GraphModels; for a LayersModel with several outputs, build one with the output you want: tf.model({ inputs: model.inputs, outputs: model.outputs[i] }).',
      );
    return layersModelSource(source, options.embeddingLayer);
  }
  if (typeof source === 'function') {
    if (options.embeddingLayer !== undefined || options.output !== undefined) {
      throw new OptionError('A function model has no layers or nodes to name; give embed and fromEmbeddings instead of embeddingLayer, and return the logits.');
    }
    return functionSource(source, options);
  }
  throw new OptionError('fromTfjs takes a tf.LayersModel, a tf.GraphModel or a function (x: tf.Tensor) => tf.Tensor.');
}

class TfjsAdapter implements TfjsModel {
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName>;
  readonly backwardRules: ReadonlySet<BackwardRuleKind>;
  readonly runsFromLayers: boolean;
  readonly source: TfjsModel['source'];
  readonly inputDtype: 'float32' | 'int32';
  readonly embeddingLayer: string | undefined;
  private readonly noGradients: GradientsUnavailableError | undefined;
  private readonly cpuKernelFallback: boolean;
  private readonly skipFilterGradients: boolean;
  private disposed = false;
  // Declared only: a model that cannot be copied has no such property at all.
  declare readonly randomizedCopy?: (layers: readonly string[], options?: RandomizeOptions) => Promise<TfjsModel>;

  constructor(
    private readonly tf: TfNamespace,
    private readonly adapted: Source,
    private readonly options: TfjsModelOptions,
    /** Frees what this adapter alone owns: the weights of a randomised copy. */
    private readonly release?: () => void,
  ) {
    this.source = adapted.kind;
    this.inputShape = resolveInputShape(options.inputShape, adapted.declaredInputShape, adapted.kind);
    const dtypeHint = options.inputDtype ?? adapted.declaredInputDtype;
    if (dtypeHint !== 'float32' && dtypeHint !== 'int32' && dtypeHint !== undefined) {
      throw new OptionError(`inputDtype must be 'float32' or 'int32'; got ${JSON.stringify(dtypeHint)}.`);
    }
    this.layout = resolveLayout(options.layout, this.inputShape, adapted.embedding !== undefined, dtypeHint);
    this.inputDtype = dtypeHint ?? (this.layout === 'tokens' ? 'int32' : 'float32');
    this.embeddingLayer = adapted.embedding?.name;
    this.cpuKernelFallback = options.cpuKernelFallback ?? true;
    this.skipFilterGradients = options.skipFilterGradients ?? adapted.filterGradientsUnused;

    const notDifferentiable = adapted.notDifferentiable;
    this.noGradients = !gradientsRegistered(tf)
      ? noGradientsError()
      : notDifferentiable
        ? new GradientsUnavailableError(`${notDifferentiable} This model only gives 'logits'.`)
        : undefined;
    const capabilities = new Set<OutputName>(['logits']);
    if (!this.noGradients) {
      if (this.layout !== 'tokens' && this.inputDtype === 'float32') capabilities.add('inputGradients');
      if (adapted.supportsLayers) {
        capabilities.add('layerActivations');
        capabilities.add('layerGradients');
      }
      if (adapted.embedding) {
        capabilities.add('embeddings');
        capabilities.add('embeddingGradients');
      }
      if (this.cpuKernelFallback) borrowCpuBackwardKernels(tf);
    }
    this.capabilities = capabilities;
    // The rules swap registered gradients, which needs gradients at all.
    this.backwardRules = new Set<BackwardRuleKind>(this.noGradients ? [] : TFJS_BACKWARD_RULES);
    // A layer's output is replaced in the forward pass (GraphModels are fed at the node), which the
    // asynchronous execution of control-flow graphs does not take.
    this.runsFromLayers = adapted.supportsLayers && !adapted.notDifferentiable;
    if (adapted.randomized) this.randomizedCopy = async (layers, randomize) => this.copyWithFreshLayers(layers, randomize);
  }

  private copyWithFreshLayers(layers: readonly string[], randomize: RandomizeOptions | undefined): TfjsModel {
    const { layers: names, seed } = checkRandomizeRequest(this.facts(), layers, randomize);
    const copy = this.adapted.randomized!(names, seed);
    try {
      return new TfjsAdapter(this.tf, copy.source, { ...this.options, inputShape: this.inputShape, layout: this.layout }, copy.release);
    } catch (error) {
      copy.release();
      throw error;
    }
  }

  layers(): readonly LayerInfo[] {
    return this.adapted.layers(this.inputShape, this.inputDtype);
  }

  dispose(): void {
    // The tfjs model stays the caller's: they created it and may use it elsewhere. A randomised
    // copy frees the weights it made.
    if (this.disposed) return;
    this.disposed = true;
    this.release?.();
  }

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    const plan = planRequest(this.facts(), request);
    const owned: Tensor[] = [];
    try {
      const produced = await this.compute(plan, owned, request.backward);
      throwIfAborted(request.signal);
      const read = await Promise.all(plan.outputs.map((name) => readTensor(produced.get(name)!)));
      const result: Partial<Record<OutputName, TensorData>> = {};
      plan.outputs.forEach((name, i) => {
        result[name] = read[i];
      });
      return result as Pick<ModelOutputs, K>;
    } catch (error) {
      throw explainFailure(error, this.cpuKernelFallback);
    } finally {
      this.tf.dispose(owned);
    }
  }

  /** What the request rules of core need to know about this model. */
  private facts(): ModelFacts {
    const embedding = this.adapted.embedding;
    return {
      layout: this.layout,
      inputShape: this.inputShape,
      capabilities: this.capabilities,
      backwardRules: this.backwardRules,
      disposed: this.disposed,
      createdBy: 'fromTfjs',
      classes: this.adapted.classes,
      tokenIds: this.inputDtype === 'int32',
      vocabulary: embedding?.vocabulary,
      embeddingWidth: embedding?.dimension,
      // A tfjs model takes one input.
      contextInputs: [],
      resolveLayer: (name) => {
        this.adapted.checkLayer(name);
        return name;
      },
      runsFromLayers: this.runsFromLayers,
      layerShape: (name) => this.layers().find((l) => l.name === name)?.outputShape,
      whyUnavailable: (output) => (GRADIENT_OUTPUTS.includes(output) ? this.noGradients : undefined),
    };
  }

  /** Runs the model once (forward, and backward when gradients are wanted, with the backward `rules`); every tensor it returns is in `owned`. */
  private async compute(plan: RequestPlan, owned: Tensor[], rules: BackwardRules | undefined): Promise<Map<OutputName, Tensor>> {
    const tf = this.tf;
    const produced = new Map<OutputName, Tensor>();
    const record = (name: OutputName, value: Tensor) => {
      if (produced.has(name)) return;
      const kept = tf.keep(value.clone());
      owned.push(kept);
      produced.set(name, kept);
    };
    const own = <T extends Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    const x = own(tensorFrom(tf, plan.input, this.inputDtype));
    const rows = plan.input.shape[0]!;

    if (this.adapted.notDifferentiable && this.adapted.forwardAsync) {
      // Graphs with control flow run asynchronously, for logits only.
      const logits = own(await this.adapted.forwardAsync(x));
      produced.set('logits', checkLogits(logits, rows));
      return produced;
    }

    const anchor = plan.gradients ? own(tf.scalar(0)) : undefined;
    // Without input gradients, the tape starts at the first tap: nothing before it is differentiated.
    let paused: PausedTape | undefined;
    const tapped = (into: 'layerGradients' | 'embeddingGradients') => {
      const tap = gradientTap(tf, (dy) => {
        record(into, dy);
      });
      return (value: Tensor) => {
        paused?.resume();
        return tap(value, anchor!);
      };
    };
    const hooks: { -readonly [P in keyof ForwardHooks]: ForwardHooks[P] } = {};
    if (plan.layer !== undefined) {
      const tap = plan.wanted.has('layerGradients') ? tapped('layerGradients') : undefined;
      hooks.layer = {
        name: plan.layer,
        // Running from given activations: the layer's output is replaced by them.
        given: plan.layerActivations ? own(tensorFrom(tf, plan.layerActivations, 'float32')) : undefined,
        intercept: (value) => {
          if (!plan.layerActivations) record('layerActivations', value);
          return tap ? tap(value) : value;
        },
      };
    }
    const wantsEmbeddings = plan.wanted.has('embeddings') || plan.wanted.has('embeddingGradients');
    if (wantsEmbeddings || plan.embeddings) {
      const tap = plan.wanted.has('embeddingGradients') ? tapped('embeddingGradients') : undefined;
      hooks.embedding = {
        given: plan.embeddings ? own(tensorFrom(tf, plan.embeddings, 'float32')) : undefined,
        intercept: (value) => {
          record('embeddings', value);
          return tap ? tap(value) : value;
        },
      };
    }

    if (!plan.gradients) {
      tf.tidy(() => {
        record('logits', checkLogits(this.adapted.forward(x, hooks), rows));
      });
      return produced;
    }

    if (this.cpuKernelFallback) borrowCpuBackwardKernels(tf);
    const { targets, objective } = plan;
    const xs = plan.wanted.has('inputGradients') ? [x, anchor!] : [anchor!];
    const objectiveOf = () => {
      paused = plan.wanted.has('inputGradients') ? undefined : pauseTape(tf);
      let forward: Tensor;
      try {
        forward = this.adapted.forward(x, hooks);
      } finally {
        // Also when no tap ran: the objective's sum with the anchor must be on the tape.
        paused?.resume();
      }
      const logits = checkLogits(forward, rows);
      checkPlanClasses(plan, logits.shape[1]!);
      record('logits', logits);
      // The anchor keeps the gradient defined when the tapped layer does not reach the output.
      return tf.add(objectiveSum(tf, logits, targets, objective), anchor!);
    };
    const differentiate = () =>
      tf.tidy(() => {
        const grads = tf.grads(objectiveOf)(xs);
        if (plan.wanted.has('inputGradients')) record('inputGradients', grads[0]!);
      });
    const plain = this.skipFilterGradients ? () => withoutFilterGradients(tf, differentiate) : differentiate;
    const relu = rules?.relu;
    const backward = relu ? () => withReluRule(tf, relu, plain) : rules?.rescale ? () => withRescaleRule(tf, plain) : plain;
    try {
      // On webgl and webgpu, max-pooling ties go to the first maximum, as on cpu and in PyTorch.
      withFirstWinsMaxPool(tf, backward);
    } catch (error) {
      releaseAbandonedTape(tf);
      throw error;
    }
    // A layer (or embedding) that does not influence the logits has a zero gradient.
    if (plan.wanted.has('layerGradients') && !produced.has('layerGradients')) {
      produced.set('layerGradients', own(tf.zerosLike(produced.get('layerActivations')!)));
    }
    if (plan.wanted.has('embeddingGradients') && !produced.has('embeddingGradients')) {
      produced.set('embeddingGradients', own(tf.zerosLike(produced.get('embeddings')!)));
    }
    return produced;
  }
}

function checkLogits(logits: Tensor, rows: number): Tensor {
  if (logits.rank !== 2 || logits.shape[0] !== rows) {
    throw new ShapeError(`The model returned a tensor of shape [${logits.shape.join(', ')}]; salience needs logits of shape [${rows}, classes].`);
  }
  if (logits.dtype !== 'float32') throw new ShapeError(`The model returned ${logits.dtype} logits; salience needs float32.`);
  return logits;
}

/**
 * Wraps a TensorFlow.js model as a salience `Model`: a `tf.LayersModel`, a `tf.GraphModel`, or a
 * function of a batch. `tf` is your TensorFlow.js namespace, with the backend you chose.
 */
export function fromTfjs(tf: TfNamespace, source: TfjsSource, options: TfjsModelOptions = {}): TfjsModel {
  if (!tf || typeof tf.tidy !== 'function' || typeof tf.grads !== 'function') {
    throw new OptionError("fromTfjs takes your TensorFlow.js namespace first: `import * as tf from '@tensorflow/tfjs'; fromTfjs(tf, model)`.");
  }
  return new TfjsAdapter(tf, adaptSource(tf, source, options), options);
}
