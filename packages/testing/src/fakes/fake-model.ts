import type { LayerInfo, Layout, Model, ModelFacts, ModelOutputs, ModelRequest, Objective, OutputName, RequestPlan, RowTarget, TensorData } from '@salience/core';
import { logitGradient, OptionError, planRequest, throwIfAborted, UnknownLayerError } from '@salience/core';
import type { AnalyticNet, RowState } from './analytic-net.js';

/** What a fake model was asked, for tests that check how a method batches its work. */
export interface RecordedRequest {
  readonly rows: number;
  readonly outputs: readonly OutputName[];
  readonly target?: RowTarget;
  readonly objective?: Objective;
  readonly layer?: string;
  readonly fromEmbeddings: boolean;
}

export interface FakeModelOptions {
  /** Declare only these outputs (a subset of what the fake can compute); the rest are rejected. */
  readonly capabilities?: readonly OutputName[];
  /** Called on every accepted request before it is computed: count, inspect, or abort from here. */
  readonly onRun?: (request: ModelRequest) => void | Promise<void>;
}

/** A token model's lookup table: ids -> rows of `table` ([vocab, dim]). */
export interface EmbeddingTable {
  readonly table: Float32Array;
  readonly vocab: number;
  readonly dim: number;
}

export interface FakeModelSpec {
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
  /** Everything the fake can compute; `FakeModelOptions.capabilities` may declare less. */
  readonly provides: readonly OutputName[];
  readonly net: AnalyticNet;
  readonly embedding?: EmbeddingTable;
}

const LAYER_OUTPUTS: readonly OutputName[] = ['layerActivations', 'layerGradients'];

/**
 * A `Model` over an analytic network: exact gradients, request validation like a real adapter,
 * and counters (`calls`, `rowsSeen`, `largestBatch`, `requests`) for tests of batching.
 */
export class FakeModel implements Model {
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName>;
  /** Accepted `run` calls. */
  calls = 0;
  /** Rows over all accepted calls. */
  rowsSeen = 0;
  /** Most rows in one accepted call. */
  largestBatch = 0;
  readonly requests: RecordedRequest[] = [];
  /** Scratch buffers held by calls in progress: 0 between calls, even after a failure (a stand-in for live tensors). */
  liveAllocations = 0;
  private disposed = false;
  private readonly net: AnalyticNet;
  private readonly embedding?: EmbeddingTable;
  private readonly onRun?: (request: ModelRequest) => void | Promise<void>;

  constructor(spec: FakeModelSpec, options: FakeModelOptions = {}) {
    this.layout = spec.layout;
    this.inputShape = [...spec.inputShape];
    this.net = spec.net;
    this.embedding = spec.embedding;
    this.onRun = options.onRun;
    const declared = options.capabilities ?? spec.provides;
    const unknown = declared.filter((c) => !spec.provides.includes(c));
    if (unknown.length > 0) {
      throw new OptionError(`This fake cannot compute ${unknown.join(', ')}; it can compute ${spec.provides.join(', ')}.`);
    }
    this.capabilities = new Set(declared);
  }

  layers(): readonly LayerInfo[] {
    if (!LAYER_OUTPUTS.some((o) => this.capabilities.has(o))) return [];
    return this.net.layers.map((l) => ({ ...l.info, outputShape: [...l.info.outputShape] }));
  }

  /** Zeroes the counters and the request log. */
  resetCounts(): void {
    this.calls = 0;
    this.rowsSeen = 0;
    this.largestBatch = 0;
    this.requests.length = 0;
  }

  dispose(): void {
    this.disposed = true;
  }

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    this.liveAllocations++;
    try {
      return await this.compute(request);
    } finally {
      this.liveAllocations--;
    }
  }

  /** What core's `planRequest` checks a request against: the same rules as every real adapter. */
  private facts(): ModelFacts {
    const names = this.net.layers.map((l) => l.info.name);
    return {
      layout: this.layout,
      inputShape: this.inputShape,
      capabilities: this.capabilities,
      classes: this.net.classes,
      vocabulary: this.embedding?.vocab,
      embeddingWidth: this.embedding?.dim,
      resolveLayer: (name) => {
        if (!names.includes(name)) throw new UnknownLayerError(name, names);
        return name;
      },
      disposed: this.disposed,
    };
  }

  private async compute<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    const plan = planRequest(this.facts(), request);
    const { rows, layer, wanted } = plan;
    const wants = (o: OutputName) => wanted.has(o);
    const xs = this.differentiableRows(plan);
    const outputs = plan.outputs;

    this.calls++;
    this.rowsSeen += rows;
    this.largestBatch = Math.max(this.largestBatch, rows);
    this.requests.push({
      rows,
      outputs: [...outputs],
      target: request.target,
      objective: request.objective,
      layer: request.layer,
      fromEmbeddings: request.embeddings !== undefined,
    });
    await this.onRun?.(request as ModelRequest);

    const states = xs.map((x) => this.net.forward(x.data, x.shape));
    const classes = this.net.classes;
    const logits: TensorData = { data: new Float32Array(rows * classes), shape: [rows, classes] };
    states.forEach((s, r) => {
      logits.data.set(s.logits, r * classes);
    });

    const result: Partial<ModelOutputs> = {};
    if (wants('logits')) result.logits = logits;
    if (wants('embeddings'))
      result.embeddings = stack(
        xs.map((x) => x.data),
        [rows, ...xs[0]!.shape],
      );
    if (layer !== undefined && wants('layerActivations')) result.layerActivations = this.layerOutput(states, layer, (s) => s.layers[layer]!);

    if (plan.gradients) {
      const gradient = logitGradient(plan, logits);
      const back = states.map((s, r) => this.net.backward(s, gradient.subarray(r * classes, (r + 1) * classes)));
      if (wants('inputGradients'))
        result.inputGradients = stack(
          back.map((b) => b.input),
          request.input.shape,
        );
      if (wants('embeddingGradients'))
        result.embeddingGradients = stack(
          back.map((b) => b.input),
          [rows, ...xs[0]!.shape],
        );
      if (layer !== undefined && wants('layerGradients')) {
        result.layerGradients = this.layerOutput(states, layer, (_, r) => back[r]!.layers[layer]!);
      }
    }
    // A real adapter awaits its runtime here; the signal may have fired meanwhile.
    await Promise.resolve();
    throwIfAborted(request.signal);
    return result as Pick<ModelOutputs, K>;
  }

  /** The rows that gradients are taken with respect to: the input, or token embeddings (checked by the plan). */
  private differentiableRows(plan: RequestPlan): { data: Float64Array; shape: number[] }[] {
    const { input, embeddings, rows } = plan;
    if (!this.embedding) {
      const size = input.data.length / rows;
      return Array.from({ length: rows }, (_, r) => ({ data: Float64Array.from(input.data.subarray(r * size, (r + 1) * size)), shape: input.shape.slice(1) }));
    }
    const { table, dim } = this.embedding;
    const steps = input.shape[1]!;
    if (embeddings !== undefined) {
      const size = steps * dim;
      return Array.from({ length: rows }, (_, r) => ({ data: Float64Array.from(embeddings.data.subarray(r * size, (r + 1) * size)), shape: [steps, dim] }));
    }
    return Array.from({ length: rows }, (_, r) => {
      const data = new Float64Array(steps * dim);
      for (let t = 0; t < steps; t++) {
        const id = input.data[r * steps + t]!;
        for (let d = 0; d < dim; d++) data[t * dim + d] = table[id * dim + d]!;
      }
      return { data, shape: [steps, dim] };
    });
  }

  private layerOutput(states: readonly RowState[], layer: string, pick: (s: RowState, r: number) => Float64Array): TensorData {
    const spec = this.net.layers.find((l) => l.info.name === layer)!;
    return stack(
      states.map((s, r) => pick(s, r)),
      [states.length, ...spec.rowShape(states[0]!.rowShape)],
    );
  }
}

function stack(rows: readonly Float64Array[], shape: readonly number[]): TensorData {
  const size = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * size);
  rows.forEach((r, i) => {
    data.set(r, i * size);
  });
  return { data, shape: [...shape] };
}
