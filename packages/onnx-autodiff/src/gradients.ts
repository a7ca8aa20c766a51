import { type CustomGradient, inlineCustomGradient, type ResolvedCustomGradient, resolveCustomGradients } from './custom-gradient.js';
import { filled, zerosLike } from './emit.js';
import { GradientSpecError, ModelFormatError, type UnsupportedNode, UnsupportedOpError } from './errors.js';
import { MIN_OPSET, ModelGraph } from './model-graph.js';
import { type ModifiedRules, modifiedRuleSet } from './modified-rules.js';
import { DataType, isFloatType, isIntegerType, type ModelProto, type NodeProto, typeName } from './proto.js';
import { GradientContext, type GradientRule, RuleLimitation, type RuleOptions } from './rule.js';
import { gradientRules } from './rules/index.js';

export interface GradientSpec {
  /** The tensor y to differentiate (any float tensor of the graph, usually an output). */
  readonly of: string;
  /**
   * Name of a new graph input holding dL/dy (same shape and type as y): the differentiated quantity is
   * sum(seed * y). Feed a one-hot target to get the gradient of one logit per example. Without a seed,
   * the quantity is sum(y).
   */
  readonly seed?: string;
  /** Tensors to differentiate with respect to: graph inputs, initializers or intermediate tensors. */
  readonly wrt: readonly string[];
  /** Output name of each gradient, by wrt tensor. Default: `<wrt>_grad`. */
  readonly gradientNames?: Readonly<Record<string, string>>;
  /** Intermediate tensors to expose as extra graph outputs (e.g. Grad-CAM activations). */
  readonly keepOutputs?: readonly string[];
  /** Gradient graphs for nodes without a built-in rule (or to replace one). */
  readonly customGradients?: readonly CustomGradient[];
  /** MaxPool / GlobalMaxPool tie rule: 'first' (default, as PyTorch) or 'split' (float ops only). See the README. */
  readonly maxPoolTies?: RuleOptions['maxPoolTies'];
  /** Clip's gradient at its bounds: 'exclusive' (default: 0 there, as relu6 / hardtanh) or 'inclusive' (1, as torch.clamp). */
  readonly clipBounds?: RuleOptions['clipBounds'];
  /** Backward rules that replace the gradient of chosen ops (Guided Backprop, Deconvnet, DeepLIFT): see the README. */
  readonly modifiedRules?: ModifiedRules;
  /**
   * Concrete dims of the graph inputs the model will be fed (`addGradients` only): the graph is
   * specialised to them first (ModelGraph.specialize), as dynamic-axis exports need. The result is
   * valid for inputs of exactly these shapes.
   */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** Names of what `buildGradients` added to a graph. */
export interface GradientNames {
  /** Output name of the gradient of each wrt tensor. */
  readonly gradients: Readonly<Record<string, string>>;
  /** Output name of each kept tensor (its own name, unless it was a graph input or initializer). */
  readonly kept: Readonly<Record<string, string>>;
  /** The seed input, when one was asked for. */
  readonly seed?: string;
  /** wrt tensors that `of` does not depend on: their gradients are zeros. */
  readonly disconnected: readonly string[];
}

export interface GradientModel extends GradientNames {
  /** The extended model, ready for InferenceSession.create. */
  readonly model: Uint8Array;
  /** Every graph input to feed at run time (the original ones, then the seed). */
  readonly inputs: readonly string[];
  /** Every graph output (the original ones, then kept tensors, then gradients). */
  readonly outputs: readonly string[];
}

/**
 * Returns the model with reverse-mode gradient nodes appended: d sum(seed * of) / d wrt for every
 * wrt tensor, as extra outputs. Only the nodes on paths from `wrt` to `of` are differentiated; a
 * node there without a gradient rule makes it throw UnsupportedOpError (listing every such node)
 * before anything runs.
 */
export function addGradients(model: Uint8Array | ModelProto | ModelGraph, spec: GradientSpec): GradientModel {
  const opened = model instanceof ModelGraph ? model : ModelGraph.from(model);
  const graph = spec?.inputShapes ? opened.specialize(spec.inputShapes) : opened === model ? opened.fork() : opened;
  const names = buildGradients(graph, spec);
  return { ...names, model: graph.toBytes(), inputs: [...graph.inputs], outputs: [...graph.outputs] };
}

/**
 * A node's inputs that may carry a dependence on `wrt` (by position; '' for an absent optional input),
 * followed by the outer-scope tensors its subgraphs read.
 */
function dependencyInputs(node: NodeProto): string[] {
  const inputs = [...(node.input ?? [])];
  for (const attribute of node.attribute ?? []) {
    for (const sub of [attribute.g, ...(attribute.graphs ?? [])]) {
      if (!sub) continue;
      const produced = new Set<string>([...(sub.input ?? []).map((v) => v.name ?? ''), ...(sub.initializer ?? []).map((t) => t.name ?? '')]);
      for (const inner of sub.node ?? []) {
        for (const name of dependencyInputs(inner)) if (name && !produced.has(name)) inputs.push(name);
        for (const out of inner.output ?? []) produced.add(out);
      }
    }
  }
  return inputs;
}

function isDefaultDomain(node: NodeProto): boolean {
  return !node.domain || node.domain === 'ai.onnx';
}

interface Plan {
  readonly custom: ReadonlyMap<NodeProto, ResolvedCustomGradient>;
  readonly wrt: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly activeNodes: readonly NodeProto[];
  readonly ruleOf: (node: NodeProto) => GradientRule | undefined;
  readonly carries: (node: NodeProto, name: string, index: number) => boolean;
}

/**
 * Checks, without appending anything, what can be known before the input shapes are: the spec,
 * the custom gradients, and that every node between `wrt` and `of` has a rule (or a custom
 * gradient) that accepts its attributes and differentiates the inputs on the path. Throws what
 * `buildGradients` would throw for those; problems that depend on shapes (a Pad whose pads are
 * computed from them, say) show only when the graph is built, best after `specialize`.
 */
export function checkGradients(graph: ModelGraph, spec: GradientSpec): void {
  planGradients(graph, spec);
}

function planGradients(graph: ModelGraph, spec: GradientSpec): Plan {
  if (graph.opset < MIN_OPSET) {
    throw new ModelFormatError(
      `The model uses opset ${graph.opset}; gradients need opset ${MIN_OPSET} or newer. Convert it first ` +
        '(onnx.version_converter.convert_version(model, 17)) or re-export it with opset_version=17.',
    );
  }
  validateSpec(graph, spec);
  const custom = resolveCustomGradients(graph, spec.customGradients ?? []);
  const wrt = [...new Set(spec.wrt)];
  const modified = modifiedRuleSet(spec.modifiedRules);
  const ruleOf = (node: NodeProto): GradientRule | undefined => (isDefaultDomain(node) ? (modified[node.opType ?? ''] ?? gradientRules[node.opType ?? '']) : undefined);
  const carries = (node: NodeProto, name: string, index: number) => {
    if (custom.has(node)) return true;
    const rule = ruleOf(node);
    return !(rule?.constant?.includes(index) && node.input?.[index] === name);
  };

  // Forward pass: tensors that depend on some wrt tensor through float values.
  const nodes = graph.nodes;
  const reached = new Set<string>(wrt);
  const inputsOf = new Map<NodeProto, string[]>();
  for (const node of nodes) {
    const inputs = dependencyInputs(node);
    inputsOf.set(node, inputs);
    if (!inputs.some((name, i) => name && reached.has(name) && carries(node, name, i))) continue;
    for (const out of node.output ?? []) {
      const dtype = graph.info(out).dtype;
      if (out && (dtype === undefined || isFloatType(dtype))) reached.add(out);
    }
  }
  // Backward pass: of those, the ones `of` depends on; and the nodes between.
  const active = new Set<string>();
  const activeNodes: NodeProto[] = [];
  if (reached.has(spec.of)) active.add(spec.of);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (!(node.output ?? []).some((o) => active.has(o))) continue;
    let used = false;
    inputsOf.get(node)!.forEach((name, i) => {
      if (name && reached.has(name) && carries(node, name, i)) {
        active.add(name);
        used = true;
      }
    });
    if (used) activeNodes.push(node);
  }

  checkSupport(graph, activeNodes, custom, active, ruleOf);
  return { custom, wrt, active, activeNodes, ruleOf, carries };
}

/** Appends the gradient nodes to `graph` (in place) and returns the names of what it added. */
export function buildGradients(graph: ModelGraph, spec: GradientSpec): GradientNames {
  const { custom, wrt, active, activeNodes, ruleOf, carries } = planGradients(graph, spec);

  // Reverse sweep: each node's output gradients are complete when it is reached.
  const contributions = new Map<string, string[]>();
  const contribute = (name: string, grad: string) => {
    const list = contributions.get(name);
    if (list) list.push(grad);
    else contributions.set(name, [grad]);
  };
  const total = (name: string): string | undefined => {
    const list = contributions.get(name);
    if (!list?.length) return undefined;
    const sum = (list.length === 1 ? list[0] : graph.add('Sum', list))!;
    graph.setInfo(sum, graph.info(name));
    contributions.set(name, [sum]);
    return sum;
  };

  let seed: string | undefined;
  const ofInfo = graph.info(spec.of);
  if (spec.seed !== undefined) seed = graph.addInput(spec.seed, ofInfo.dtype ?? DataType.FLOAT, ofInfo.shape ?? []);
  if (active.has(spec.of)) {
    contribute(spec.of, seed ?? filled(graph, graph.shapeOf(spec.of), 1, ofInfo.dtype ?? DataType.FLOAT));
  }

  const failures: UnsupportedNode[] = [];
  for (const node of activeNodes) {
    const outputGrads = (node.output ?? []).map((o) => (o && active.has(o) ? total(o) : undefined));
    const ctx = new GradientContext(graph, node, (name) => active.has(name), spec);
    const needed = (node.input ?? []).map((name, i) => name !== '' && active.has(name) && carries(node, name, i));
    const resolved = custom.get(node);
    try {
      if (resolved) {
        applyCustom(graph, resolved, node, outputGrads, needed, contribute);
        continue;
      }
      const inputGrads = ruleOf(node)!.backward(ctx, outputGrads);
      needed.forEach((need, i) => {
        const grad = inputGrads[i];
        if (!need || grad === undefined) return;
        const input = node.input![i]!;
        graph.setInfo(grad, graph.info(input));
        contribute(input, grad);
      });
    } catch (error) {
      if (!(error instanceof RuleLimitation)) throw error;
      failures.push({ op: node.opType ?? '', node: ctx.name, domain: node.domain ?? '', reason: error.message });
    }
  }
  if (failures.length) throw new UnsupportedOpError(failures);

  const kept: Record<string, string> = {};
  for (const name of spec.keepOutputs ?? []) {
    if (graph.isInitializer(name) || graph.inputs.includes(name)) {
      kept[name] = graph.add('Identity', [name], undefined, { output: `${name}_kept` });
    } else kept[name] = name;
    graph.addOutput(kept[name]);
  }

  const gradients: Record<string, string> = {};
  const disconnected: string[] = [];
  for (const name of wrt) {
    let grad = total(name);
    if (grad === undefined) {
      disconnected.push(name);
      grad = zerosLike(graph, name);
    }
    const requested = spec.gradientNames?.[name];
    const output = graph.add('Identity', [grad], undefined, { output: requested ?? `${name}_grad` });
    graph.setInfo(output, graph.info(name));
    graph.addOutput(output);
    gradients[name] = output;
  }
  return { gradients, kept, seed, disconnected };
}

function applyCustom(
  graph: ModelGraph,
  resolved: ResolvedCustomGradient,
  node: NodeProto,
  outputGrads: readonly (string | undefined)[],
  needed: readonly boolean[],
  contribute: (name: string, grad: string) => void,
): void {
  const provided = inlineCustomGradient(graph, resolved, node, (i) => outputGrads[i] ?? zerosLike(graph, node.output![i]!));
  needed.forEach((need, i) => {
    const grad = provided.get(i);
    if (need && grad !== undefined) contribute(node.input![i]!, grad);
  });
}

function checkSupport(
  graph: ModelGraph,
  activeNodes: readonly NodeProto[],
  custom: ReadonlyMap<NodeProto, ResolvedCustomGradient>,
  active: ReadonlySet<string>,
  ruleOf: (node: NodeProto) => GradientRule | undefined,
): void {
  const problems: UnsupportedNode[] = [];
  // Reported in graph order, so the first problem is the one nearest the inputs.
  for (const node of [...activeNodes].reverse()) {
    const op = node.opType ?? '';
    const domain = node.domain ?? '';
    const ctx = new GradientContext(graph, node, (name) => active.has(name));
    const report = (reason?: string) => problems.push({ op, node: ctx.name, domain, reason });
    const resolved = custom.get(node);
    if (resolved) {
      const provided = new Set(Object.values(resolved.spec.outputs));
      (node.input ?? []).forEach((name, i) => {
        if (name && active.has(name) && !provided.has(i)) {
          report(`the custom gradient gives no gradient for input ${i} ('${name}'), which lies on a differentiated path`);
        }
      });
      continue;
    }
    const rule = ruleOf(node);
    if (!rule) {
      report();
      continue;
    }
    try {
      rule.check?.(ctx);
    } catch (error) {
      if (!(error instanceof RuleLimitation)) throw error;
      report(error.message);
      continue;
    }
    const differentiable = rule.differentiable ?? [0];
    (node.input ?? []).forEach((name, i) => {
      if (!name || !active.has(name) || rule.constant?.includes(i)) return;
      if (differentiable !== 'all' && !differentiable.includes(i)) {
        report(`the gradient w.r.t. its input ${i} ('${name}') is not supported`);
      }
    });
  }
  if (problems.length) throw new UnsupportedOpError(problems);
}

function validateSpec(graph: ModelGraph, spec: GradientSpec): void {
  if (!spec || typeof spec !== 'object') throw new GradientSpecError(['The gradient spec must be an object { of, wrt, ... }.']);
  if (typeof spec.of !== 'string' || spec.of === '') {
    throw new GradientSpecError(['`of` must name the tensor to differentiate (e.g. the logits output).']);
  }
  if (!Array.isArray(spec.wrt) || spec.wrt.length === 0 || spec.wrt.some((w) => typeof w !== 'string' || w === '')) {
    throw new GradientSpecError(['`wrt` must be a non-empty array of tensor names (graph inputs or intermediate tensors).']);
  }
  graph.require(spec.of, '`of`');
  for (const name of spec.wrt) graph.require(name, '`wrt`');
  for (const name of spec.keepOutputs ?? []) graph.require(name, '`keepOutputs`');
  const problems: string[] = [];
  const ofType = graph.info(spec.of).dtype;
  if (ofType !== undefined && !isFloatType(ofType)) {
    problems.push(`\`of\` tensor '${spec.of}' is ${typeName(ofType)}; only floating-point tensors can be differentiated.`);
  }
  for (const name of spec.wrt) {
    const dtype = graph.info(name).dtype;
    if (dtype !== undefined && !isFloatType(dtype)) {
      const hint = isIntegerType(dtype)
        ? ' Integer inputs (token ids, indices) have no gradient: differentiate w.r.t. a float tensor computed from them, such as the output of the embedding Gather.'
        : '';
      problems.push(`\`wrt\` tensor '${name}' is ${typeName(dtype)}; only floating-point tensors have gradients.${hint}`);
    }
  }
  if (spec.maxPoolTies !== undefined && spec.maxPoolTies !== 'first' && spec.maxPoolTies !== 'split') {
    problems.push(`\`maxPoolTies\` must be 'first' or 'split', got ${JSON.stringify(spec.maxPoolTies)}.`);
  }
  if (spec.clipBounds !== undefined && spec.clipBounds !== 'exclusive' && spec.clipBounds !== 'inclusive') {
    problems.push(`\`clipBounds\` must be 'exclusive' or 'inclusive', got ${JSON.stringify(spec.clipBounds)}.`);
  }
  if (spec.seed !== undefined && (typeof spec.seed !== 'string' || spec.seed === '' || graph.has(spec.seed))) {
    problems.push(`\`seed\` must be a new input name; '${String(spec.seed)}' is empty or already used in the model.`);
  }
  const chosen = new Set<string>();
  for (const [name, output] of Object.entries(spec.gradientNames ?? {})) {
    if (!spec.wrt.includes(name)) problems.push(`\`gradientNames\` names '${name}', which is not in \`wrt\`.`);
    if (typeof output !== 'string' || output === '' || graph.has(output) || chosen.has(output) || output === spec.seed) {
      problems.push(`Gradient output name '${String(output)}' for '${name}' is empty, repeated or already used in the model.`);
    }
    chosen.add(output);
  }
  if (problems.length) throw new GradientSpecError(problems);
}
