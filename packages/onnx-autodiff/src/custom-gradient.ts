import { GradientSpecError } from './errors.js';
import { ModelGraph } from './model-graph.js';
import { type ModelProto, type NodeProto, toNumber, typeName } from './proto.js';

/** What feeds one input of a user-supplied gradient graph, relative to the node it differentiates. */
export type GradientGraphSource =
  /** The node's i-th input (a forward tensor). */
  | { readonly input: number }
  /** The node's i-th output (a forward tensor). */
  | { readonly output: number }
  /** The gradient of the objective w.r.t. the node's i-th output (zeros when no path uses that output). */
  | { readonly outputGradient: number };

/**
 * A gradient graph supplied by the user for nodes that have no built-in rule (or to replace one),
 * e.g. a function exported from PyTorch with torch.func.vjp. Its inputs and outputs are declared by
 * name: `inputs` says what feeds each input, `outputs` which node input each output is the gradient of.
 */
export interface CustomGradient {
  /** The node it differentiates, by node name... */
  readonly node?: string;
  /** ...or every node of this op type (in `domain`, default ''). */
  readonly opType?: string;
  readonly domain?: string;
  /** An ONNX model computing the gradients; its default opset must be the differentiated model's. */
  readonly model: Uint8Array | ModelProto | ModelGraph;
  /** For each graph input of `model`: what feeds it. Every input must be declared. */
  readonly inputs: Readonly<Record<string, GradientGraphSource>>;
  /** For each graph output of `model`: the index of the node input whose gradient it is. */
  readonly outputs: Readonly<Record<string, number>>;
}

/** A custom gradient checked against a model: the nodes it applies to and its opened graph. */
export interface ResolvedCustomGradient {
  readonly spec: CustomGradient;
  readonly graph: ModelGraph;
  readonly nodes: readonly NodeProto[];
}

function describe(spec: CustomGradient): string {
  return spec.node !== undefined ? `node '${spec.node}'` : `op type '${spec.domain ? `${spec.domain}.` : ''}${spec.opType}'`;
}

function openGradientModel(spec: CustomGradient, problems: string[]): ModelGraph | undefined {
  try {
    return ModelGraph.from(spec.model);
  } catch (error) {
    problems.push(`the gradient model for ${describe(spec)} cannot be read: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Checks a custom gradient's declared names and indices against the model and its own graph, and
 * returns every problem found (empty when it is usable). Nothing is changed.
 */
export function validateCustomGradient(model: ModelGraph | Uint8Array | ModelProto, spec: CustomGradient): string[] {
  const graph = model instanceof ModelGraph ? model : ModelGraph.from(model);
  return resolveOne(graph, spec).problems;
}

function resolveOne(model: ModelGraph, spec: CustomGradient): { problems: string[]; resolved?: ResolvedCustomGradient } {
  const problems: string[] = [];
  const what = describe(spec);
  if ((spec.node === undefined) === (spec.opType === undefined)) {
    problems.push('a custom gradient names either `node` (a node name) or `opType`, not both and not neither');
    return { problems };
  }
  const nodes = model.nodes.filter((n) => (spec.node !== undefined ? n.name === spec.node : n.opType === spec.opType && (n.domain ?? '') === (spec.domain ?? '')));
  if (nodes.length === 0) {
    problems.push(spec.node !== undefined ? `the model has no node named '${spec.node}'` : `the model has no node of op type '${spec.opType}'`);
  }
  const graph = openGradientModel(spec, problems);
  if (!graph) return { problems };

  // Opsets: the gradient graph's nodes must mean what they mean in the model.
  for (const imp of graph.original.opsetImport ?? []) {
    const domain = imp.domain ?? '';
    const version = toNumber(imp.version);
    const mine = (model.original.opsetImport ?? []).find((o) => (o.domain ?? '') === domain);
    if (!mine) problems.push(`the gradient graph for ${what} imports domain '${domain}' (version ${version}), which the model does not`);
    else if (toNumber(mine.version) !== version) {
      problems.push(
        `the gradient graph for ${what} uses opset ${version} of domain '${domain || 'ai.onnx'}', the model ${toNumber(mine.version)}: export it with the model's opset`,
      );
    }
  }
  if ((graph.original.functions ?? []).length > 0) problems.push(`the gradient graph for ${what} defines local functions, which cannot be inlined`);
  for (const node of graph.nodes) {
    if ((node.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length)) {
      problems.push(`the gradient graph for ${what} has control flow (node '${node.name}' of type ${node.opType}), which cannot be inlined`);
    }
  }

  const declaredInputs = Object.keys(spec.inputs ?? {});
  const declaredOutputs = Object.keys(spec.outputs ?? {});
  const graphInputs = new Set(graph.inputs);
  const graphOutputs = new Set(graph.outputs);
  for (const name of declaredInputs) {
    if (!graphInputs.has(name)) {
      problems.push(`input '${name}' is declared for ${what} but the gradient graph has no such input (it has: ${[...graphInputs].join(', ') || 'none'})`);
    }
  }
  for (const name of graphInputs) {
    if (!(name in (spec.inputs ?? {}))) problems.push(`the gradient graph's input '${name}' is not declared in \`inputs\` for ${what}`);
  }
  for (const name of declaredOutputs) {
    if (!graphOutputs.has(name)) {
      problems.push(`output '${name}' is declared for ${what} but the gradient graph has no such output (it has: ${[...graphOutputs].join(', ') || 'none'})`);
    }
  }
  if (declaredOutputs.length === 0) problems.push(`no \`outputs\` are declared for ${what}: nothing would be differentiated`);
  const targets = new Set<number>();
  for (const [name, index] of Object.entries(spec.outputs ?? {})) {
    if (!Number.isInteger(index) || index < 0) problems.push(`output '${name}' of ${what} must map to a node input index, got ${String(index)}`);
    else if (targets.has(index)) problems.push(`two outputs of ${what} claim the gradient of node input ${index}`);
    targets.add(index);
  }

  for (const node of nodes) {
    const label = `node '${node.name || node.output?.[0]}'`;
    const inputCount = node.input?.length ?? 0;
    const outputCount = node.output?.length ?? 0;
    for (const [name, source] of Object.entries(spec.inputs ?? {})) {
      const [kind, index, count, tensor] =
        'input' in source
          ? ['input', source.input, inputCount, node.input?.[source.input]]
          : 'output' in source
            ? ['output', source.output, outputCount, node.output?.[source.output]]
            : ['outputGradient', source.outputGradient, outputCount, node.output?.[source.outputGradient]];
      if (!Number.isInteger(index) || index < 0 || index >= count || !tensor) {
        problems.push(`gradient-graph input '${name}' reads ${kind} ${String(index)} of ${label}, which has ${count} ${kind === 'input' ? 'inputs' : 'outputs'}`);
        continue;
      }
      const want = graph.info(name).dtype;
      const have = model.info(tensor).dtype;
      if (want !== undefined && have !== undefined && want !== have) {
        problems.push(`gradient-graph input '${name}' is ${typeName(want)} but ${label}'s ${kind} ${index} ('${tensor}') is ${typeName(have)}`);
      }
    }
    for (const [name, index] of Object.entries(spec.outputs ?? {})) {
      const tensor = node.input?.[index];
      if (index >= inputCount || !tensor) {
        problems.push(`gradient-graph output '${name}' is the gradient of input ${index} of ${label}, which has ${inputCount} inputs`);
        continue;
      }
      const want = graph.info(name).dtype;
      const have = model.info(tensor).dtype;
      if (want !== undefined && have !== undefined && want !== have) {
        problems.push(`gradient-graph output '${name}' is ${typeName(want)} but input ${index} of ${label} ('${tensor}') is ${typeName(have)}`);
      }
    }
  }
  if (problems.length) return { problems };
  return { problems, resolved: { spec, graph, nodes } };
}

/** Resolves every custom gradient against the model, or throws one GradientSpecError listing all problems. */
export function resolveCustomGradients(model: ModelGraph, specs: readonly CustomGradient[]): Map<NodeProto, ResolvedCustomGradient> {
  const byNode = new Map<NodeProto, ResolvedCustomGradient>();
  const problems: string[] = [];
  for (const spec of specs) {
    const { problems: found, resolved } = resolveOne(model, spec);
    problems.push(...found);
    for (const node of resolved?.nodes ?? []) {
      // A gradient for a named node wins over one for its op type.
      if (!byNode.has(node) || spec.node !== undefined) byNode.set(node, resolved!);
    }
  }
  if (problems.length) throw new GradientSpecError(problems, 'INVALID_GRADIENT_GRAPH');
  return byNode;
}

/**
 * Copies a resolved gradient graph into `target` for one node, with every internal name made unique,
 * and returns the gradient tensor for each node input index it provides.
 */
export function inlineCustomGradient(target: ModelGraph, custom: ResolvedCustomGradient, node: NodeProto, outputGradient: (index: number) => string): Map<number, string> {
  const source = custom.graph;
  const prefix = `ad/custom/${node.name || node.output?.[0]}/`;
  const renamed = new Map<string, string>();
  for (const [name, from] of Object.entries(custom.spec.inputs)) {
    renamed.set(name, ('input' in from ? node.input![from.input] : 'output' in from ? node.output![from.output] : outputGradient(from.outputGradient))!);
  }
  const rename = (name: string) => {
    if (!name) return name;
    const known = renamed.get(name);
    if (known) return known;
    const fresh = target.uniqueName(prefix + name);
    renamed.set(name, fresh);
    return fresh;
  };
  for (const init of source.initializers) {
    const name = init.name ?? '';
    if (renamed.has(name)) continue;
    renamed.set(name, target.addInitializer({ ...init, name: rename(name) }));
  }
  for (const original of source.nodes) {
    target.appendNode({
      ...original,
      input: (original.input ?? []).map(rename),
      output: (original.output ?? []).map(rename),
      name: target.uniqueName(prefix + (original.name || original.opType || 'node')),
    });
  }
  const gradients = new Map<number, string>();
  for (const [name, index] of Object.entries(custom.spec.outputs)) gradients.set(index, rename(name));
  return gradients;
}
