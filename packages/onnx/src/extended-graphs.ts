import type { BackwardRules } from '@salience/core';
import { addGradients, appendTargetObjective, type CustomGradient, type ModelGraph, type ObjectiveKind } from '@salience/onnx-autodiff';
import { fromBuildFailure, fromRuntimeFailure } from './error-mapping.js';
import { layerInputGraph } from './layer-input.js';
import type { MaxPoolTies } from './options.js';
import type { InferenceSession, OrtModule, SessionOptions } from './ort-types.js';

/** What one extended graph computes besides the logits. */
export interface GraphSpec {
  /** Fed with embeddings [B, T, D] in place of the token ids (token models). */
  readonly fromEmbeddings: boolean;
  /** Fed with activations in place of this tensor's producer (the graph cut there; logits only). */
  readonly fromLayer?: string;
  /** Intermediate tensors exposed as outputs (layer activations, embeddings). */
  readonly keep: readonly string[];
  /** d objective / d each tensor of `wrt`; the objective's class weights are a runtime input. */
  readonly gradients?: { readonly objective: ObjectiveKind; readonly wrt: readonly string[]; readonly backward?: BackwardRules };
  /**
   * The concrete dims of every graph input fed (a request's shapes). Gradient graphs are specialised
   * to them (shape arithmetic folded, every dim static for the rules) and cached per shape signature;
   * graphs without gradients ignore them and serve every shape.
   */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** A session over an extended graph, with the names to feed and read. */
export interface ExtendedSession {
  readonly session: InferenceSession;
  /** The runtime input of class weights [B, classes] (gradient graphs only). */
  readonly targetInput: string | undefined;
  /** Graph inputs of this session: the ids or input, and/or the embeddings. */
  readonly inputs: readonly string[];
  /** Output name of each kept tensor. */
  readonly kept: Readonly<Record<string, string>>;
  /** Output name of the gradient of each wrt tensor. */
  readonly gradients: Readonly<Record<string, string>>;
  /** The graph input fed with the layer's activations (graphs cut at a layer). */
  readonly layerInput?: string;
}

export interface GraphSources {
  readonly ort: OrtModule;
  readonly bytes: Uint8Array;
  readonly graph: ModelGraph;
  /** The graph with the embedding lookup replaced by an input (token models with an embedding point). */
  readonly embeddingGraph: (() => ModelGraph) | undefined;
  readonly output: string;
  readonly sessionOptions: SessionOptions | undefined;
  readonly customGradients: readonly CustomGradient[] | undefined;
  readonly maxPoolTies: MaxPoolTies;
  /** Clip's gradient at its bounds: 'exclusive' (relu6, hardtanh; the default) or 'inclusive' (torch.clamp). */
  readonly clipBounds?: 'exclusive' | 'inclusive';
  /** The caller's session over the unchanged model, reused for plain inference. */
  readonly userSession: InferenceSession | undefined;
  /**
   * Tensors the forward graph always exposes (a token model's embeddings), so that one session
   * answers both logits and these: each session holds its own copy of the weights, and creating one
   * for a 66M-parameter model costs about as much as the gradient graph's.
   */
  readonly forwardKeeps?: readonly string[];
}

interface Built {
  readonly bytes: Uint8Array;
  readonly inputs: readonly string[];
  readonly targetInput: string | undefined;
  readonly kept: Record<string, string>;
  readonly gradients: Record<string, string>;
  readonly layerInput?: string;
}

function keyOf(spec: GraphSpec): string {
  const sorted = (names: readonly string[]) => [...new Set(names)].sort();
  const shapes = spec.gradients && spec.inputShapes ? Object.entries(spec.inputShapes).sort(([a], [b]) => (a < b ? -1 : 1)) : null;
  return JSON.stringify([
    spec.fromEmbeddings,
    spec.fromLayer ?? null,
    sorted(spec.keep),
    spec.gradients ? [spec.gradients.objective, sorted(spec.gradients.wrt), backwardKey(spec.gradients.backward)] : null,
    shapes,
  ]);
}

/** Modified backward rules as a stable key part (null for plain gradients). */
function backwardKey(backward: BackwardRules | undefined): string | null {
  if (!backward || (!backward.relu && !backward.rescale && !backward.lrp)) return null;
  return `${backward.relu ?? ''}|${backward.rescale ? 'rescale' : ''}|${backward.lrp ? `lrp:${JSON.stringify(backward.lrp)}` : ''}`;
}

/**
 * How many gradient graphs specialised to input shapes a model keeps (the most recently used):
 * each session holds its own copy of the weights, and text of every length would otherwise add one.
 */
export const MAX_SHAPED_GRAPHS = 6;

/**
 * Extended graphs, built once per (inputs, kept tensors, objective, gradients, and for gradient
 * graphs the input shapes) and kept with their sessions: the target is data, so one graph serves
 * every target. Graphs without gradients live as long as the model; gradient graphs are kept for
 * the last MAX_SHAPED_GRAPHS shape signatures used, an older one's session being released once no
 * run uses it.
 */
export class ExtendedGraphs {
  private readonly sessions = new Map<string, Promise<ExtendedSession>>();
  private readonly owned = new Set<Promise<ExtendedSession>>();
  /** Keys of shape-specialised graphs, least recently used first. */
  private readonly shaped: string[] = [];
  private readonly running = new Map<InferenceSession, number>();
  private readonly retired = new Set<InferenceSession>();

  constructor(private readonly sources: GraphSources) {}

  /** The session for a spec, building the graph on first use. Build errors are typed and thrown before any run. */
  get(asked: GraphSpec): Promise<ExtendedSession> {
    const spec = this.widened(asked);
    const key = keyOf(spec);
    let found = this.sessions.get(key);
    if (!found) {
      found = this.open(spec);
      this.sessions.set(key, found);
      this.owned.add(found);
      const pending = found;
      // A failed build is reported to the request that hit it and retried by the next.
      found.catch(() => {
        if (this.sessions.get(key) === pending) this.sessions.delete(key);
        this.owned.delete(pending);
      });
    }
    if (spec.gradients && spec.inputShapes) this.touch(key);
    return found;
  }

  /** A forward spec that keeps no more than forwardKeeps, as the one forward graph keeping all of them (without a caller's session to reuse). */
  private widened(spec: GraphSpec): GraphSpec {
    const { forwardKeeps, userSession } = this.sources;
    if (!forwardKeeps?.length || userSession || spec.gradients || spec.fromEmbeddings || spec.fromLayer !== undefined) return spec;
    return spec.keep.every((t) => forwardKeeps.includes(t)) ? { ...spec, keep: forwardKeeps } : spec;
  }

  /** Marks a shaped graph as just used, and lets the least recently used go past the limit. */
  private touch(key: string): void {
    const at = this.shaped.indexOf(key);
    if (at >= 0) this.shaped.splice(at, 1);
    this.shaped.push(key);
    while (this.shaped.length > MAX_SHAPED_GRAPHS) {
      const old = this.shaped.shift()!;
      const pending = this.sessions.get(old);
      this.sessions.delete(old);
      if (!pending) continue;
      this.owned.delete(pending);
      pending.then((s) => this.retire(s.session)).catch(() => undefined);
    }
  }

  /** Releases a session now, or when its last run ends. */
  private retire(session: InferenceSession): void {
    if ((this.running.get(session) ?? 0) > 0) this.retired.add(session);
    else session.release().catch(() => undefined);
  }

  /** The session, counting its runs in flight so that a retired one is released only when idle. */
  private tracked(session: InferenceSession): InferenceSession {
    const running = this.running;
    const retired = this.retired;
    return new Proxy(session, {
      get(target, property) {
        if (property === 'run') {
          return async (...args: Parameters<InferenceSession['run']>) => {
            running.set(target, (running.get(target) ?? 0) + 1);
            try {
              return await target.run(...args);
            } finally {
              const left = (running.get(target) ?? 1) - 1;
              if (left > 0) running.set(target, left);
              else {
                running.delete(target);
                if (retired.delete(target)) target.release().catch(() => undefined);
              }
            }
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  private async open(spec: GraphSpec): Promise<ExtendedSession> {
    const plain = !spec.fromEmbeddings && !spec.fromLayer && spec.keep.length === 0 && !spec.gradients;
    const { userSession } = this.sources;
    if (plain && userSession) {
      return { session: userSession, targetInput: undefined, inputs: userSession.inputNames, kept: {}, gradients: {} };
    }
    const built = this.build(spec);
    let session: InferenceSession;
    try {
      session = await this.sources.ort.InferenceSession.create(built.bytes, this.sources.sessionOptions);
    } catch (error) {
      throw fromRuntimeFailure(error, plain ? 'create a session for the model' : 'create a session for the extended graph');
    }
    return { session: this.tracked(session), targetInput: built.targetInput, inputs: built.inputs, kept: built.kept, gradients: built.gradients, layerInput: built.layerInput };
  }

  private build(spec: GraphSpec): Built {
    const { graph, embeddingGraph, output } = this.sources;
    if (spec.fromLayer !== undefined) {
      const cut = layerInputGraph(graph, spec.fromLayer);
      return { bytes: cut.graph.toBytes(), inputs: cut.graph.inputs, targetInput: undefined, kept: {}, gradients: {}, layerInput: cut.input };
    }
    const base = spec.fromEmbeddings ? embeddingGraph!() : graph;
    const originalInputs = [...base.inputs];
    if (!spec.gradients) {
      if (spec.keep.length === 0)
        return { bytes: spec.fromEmbeddings ? base.toBytes() : this.sources.bytes, inputs: originalInputs, targetInput: undefined, kept: {}, gradients: {} };
      const extended = base.fork();
      const kept: Record<string, string> = {};
      for (const tensor of spec.keep) {
        // A graph input (the embeddings fed in) goes out through an Identity: ONNX forbids an input as an output.
        kept[tensor] = extended.inputs.includes(tensor) ? extended.add('Identity', [tensor], undefined, { output: `${tensor}_kept` }) : tensor;
        extended.addOutput(kept[tensor]);
      }
      return { bytes: extended.toBytes(), inputs: originalInputs, targetInput: undefined, kept, gradients: {} };
    }
    const what = `${spec.gradients.wrt.map((t) => `'${t}'`).join(', ')} (objective '${spec.gradients.objective}')`;
    try {
      // Only the shapes of this graph's own inputs (the embeddings graph has no ids input, say).
      const shapes = Object.fromEntries(Object.entries(spec.inputShapes ?? {}).filter(([name]) => base.inputs.includes(name)));
      const extended = Object.keys(shapes).length > 0 ? base.specialize(shapes) : base.fork();
      const { objective, targetInput } = appendTargetObjective(extended, {
        logits: output,
        kind: spec.gradients.objective,
        targetInput: extended.uniqueName('salience_target_weights'),
      });
      const built = addGradients(extended, {
        of: objective,
        wrt: spec.gradients.wrt,
        keepOutputs: spec.keep,
        customGradients: this.sources.customGradients,
        maxPoolTies: this.sources.maxPoolTies,
        clipBounds: this.sources.clipBounds,
        modifiedRules: spec.gradients.backward && { relu: spec.gradients.backward.relu, rescale: spec.gradients.backward.rescale, lrp: spec.gradients.backward.lrp },
      });
      return { bytes: built.model, inputs: originalInputs, targetInput, kept: { ...built.kept }, gradients: { ...built.gradients } };
    } catch (error) {
      throw fromBuildFailure(error, what);
    }
  }

  /** Releases every session this object created (never the caller's). */
  release(): void {
    const { userSession } = this.sources;
    for (const pending of this.owned) {
      pending.then((s) => (s.session === userSession ? undefined : s.session.release())).catch(() => undefined);
    }
    this.owned.clear();
    this.sessions.clear();
    this.shaped.length = 0;
  }
}
