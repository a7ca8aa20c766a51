import type { LayerInfo } from '@salience/core';
import { OptionError, UnknownLayerError } from '@salience/core';
import { freshGraphWeights, weightsOf } from './graph-randomization.js';
import type { ForwardHooks, Interception, RandomizedSource, Source } from './source.js';
import { chainInterceptions } from './source.js';
import type { Tensor, TfjsGraphModel, TfNamespace } from './tf-types.js';

interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly category?: string;
  readonly inputs?: readonly GraphNode[];
}

/** Ops that hold no computation of the model: weights, feeds, control dependencies. */
const NOT_LAYERS = new Set(['Const', 'Placeholder', 'PlaceholderWithDefault', 'NoOp']);
/** Converter op categories that force `executeAsync`, which `tf.grads` cannot run. */
const ASYNC_CATEGORIES = new Set(['control', 'dynamic']);

/** Convolutions, whose input 1 is the filter. */
const CONVOLUTIONS = new Set(['Conv1D', 'Conv2D', 'Conv3D', '_FusedConv2D', 'DepthwiseConv2d', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'Conv2DBackpropInput']);

/** Whether every convolution's filter is a constant of the graph (possibly through Identity nodes). */
function filtersAreConstant(nodes: readonly GraphNode[]): boolean {
  const isConstant = (node: GraphNode | undefined): boolean => {
    while (node && node.op === 'Identity') node = node.inputs?.[0];
    return node?.op === 'Const';
  };
  return nodes.every((node) => !CONVOLUTIONS.has(node.op) || isConstant(node.inputs?.[1]));
}

/**
 * The nodes of the graph. The converter keeps them in its executor, which it does not publish;
 * without them the adapter still runs the model, but cannot list or check node names.
 */
function graphNodes(model: TfjsGraphModel): GraphNode[] | undefined {
  const nodes = (model as unknown as { executor?: { graph?: { nodes?: Record<string, GraphNode> } } }).executor?.graph?.nodes;
  return nodes ? Object.values(nodes) : undefined;
}

/** 'conv/Relu:0' names output 0 of node 'conv/Relu'. */
function nodeNameOf(name: string): string {
  return name.replace(/:\d+$/, '');
}

export function graphModelSource(
  tf: Pick<TfNamespace, 'tidy' | 'zeros' | 'tensor'>,
  model: TfjsGraphModel,
  embeddingNode: string | undefined,
  outputNode: string | undefined,
  replacedWeights: ReadonlyMap<string, Tensor> = new Map(),
): Source {
  if (model.inputs.length !== 1) {
    throw new OptionError(`The GraphModel has ${model.inputs.length} inputs; salience needs one. Wrap it in a function of one tensor that returns the logits.`);
  }
  if (outputNode === undefined && model.outputs.length !== 1) {
    throw new OptionError(
      `The GraphModel has ${model.outputs.length} outputs (${model.outputs.map((o) => o.name).join(', ')}); name the one that gives the logits with the output option.`,
    );
  }
  const input = model.inputs[0]!;
  const nodes = graphNodes(model);
  const layerNodes = nodes?.filter((node) => !NOT_LAYERS.has(node.op));
  const asyncNode = nodes?.find((node) => node.category !== undefined && ASYNC_CATEGORIES.has(node.category));
  const known = nodes ? new Set(nodes.map((node) => node.name)) : undefined;
  const checkLayer = (name: string): void => {
    if (known && !known.has(nodeNameOf(name)))
      throw new UnknownLayerError(
        name,
        layerNodes!.map((node) => node.name),
      );
  };
  if (embeddingNode !== undefined) checkLayer(embeddingNode);
  if (outputNode !== undefined) checkLayer(outputNode);
  const output = (outputNode !== undefined ? { name: outputNode, shape: undefined } : model.outputs[0])!;
  let cachedLayers: readonly LayerInfo[] | undefined;

  // A randomised copy runs the same graph with some constants fed in place of the stored ones.
  const withWeights = (feeds: Record<string, Tensor>): Record<string, Tensor> => {
    for (const [name, value] of replacedWeights) feeds[name] = value;
    return feeds;
  };
  const execute = (feeds: Record<string, Tensor>, name: string): Tensor => {
    const result = model.execute(feeds, name);
    return (Array.isArray(result) ? result[0] : result)!;
  };

  /** Output shapes found by running batches of 1 and 2: dimensions that follow the batch are null. */
  const probeShapes = (inputShape: readonly (number | null)[], dtype: 'float32' | 'int32'): Map<string, (number | null)[]> => {
    const shapes = new Map<string, (number | null)[]>();
    if (!layerNodes || asyncNode || inputShape.slice(1).some((d) => d === null)) return shapes;
    const names = layerNodes.map((node) => node.name);
    const batches = inputShape[0] === null ? [1, 2] : [inputShape[0]];
    try {
      tf.tidy(() => {
        const runs = batches.map((batch) => {
          const x = tf.zeros([batch!, ...(inputShape.slice(1) as number[])], dtype);
          const outs = model.execute(withWeights({ [input.name]: x }), names);
          return Array.isArray(outs) ? outs : [outs];
        });
        names.forEach((name, i) => {
          const first = runs[0]![i]!.shape;
          shapes.set(
            name,
            first.map((d, axis) => (runs.every((run) => run[i]!.shape[axis] === d) ? d : null)),
          );
        });
      });
    } catch {
      // Shapes are a convenience; a graph that cannot run on zeros still runs on real inputs.
      shapes.clear();
    }
    return shapes;
  };

  const declaredShape = input.shape?.map((d) => (d < 0 ? null : d));
  const outputShape = output.shape;
  return {
    kind: 'graph-model',
    declaredInputShape: declaredShape,
    declaredInputDtype: input.dtype === 'int32' || input.dtype === 'float32' ? input.dtype : undefined,
    classes: outputShape?.length === 2 && outputShape[1]! > 0 ? outputShape[1] : undefined,
    embedding: embeddingNode !== undefined ? { name: embeddingNode } : undefined,
    notDifferentiable: asyncNode
      ? `The graph has the op '${asyncNode.op}' (node '${asyncNode.name}'), which needs model.executeAsync(); tf.grads cannot differentiate asynchronous execution.`
      : undefined,
    supportsLayers: true,
    filterGradientsUnused: nodes !== undefined && filtersAreConstant(nodes),
    layers(inputShape, dtype): readonly LayerInfo[] {
      if (!layerNodes) return [];
      if (!cachedLayers) {
        const shapes = probeShapes(inputShape, dtype);
        cachedLayers = layerNodes.map((node) => {
          const shape = shapes.get(node.name) ?? [];
          return { name: node.name, kind: node.op, outputShape: shape, spatial: shape.length === 4 };
        });
      }
      return cachedLayers;
    },
    checkLayer,
    forward(x: Tensor, hooks: ForwardHooks): Tensor {
      // Cut the graph at each intercepted node: run up to it, intercept, then feed the result on.
      const cuts = new Map<string, Interception>();
      if (hooks.embedding && embeddingNode !== undefined) cuts.set(embeddingNode, hooks.embedding);
      if (hooks.layer) {
        const earlier = cuts.get(hooks.layer.name);
        cuts.set(hooks.layer.name, earlier ? chainInterceptions(earlier, hooks.layer) : hooks.layer);
      }
      const feeds: Record<string, Tensor> = withWeights({ [input.name]: x });
      for (const [name, { given, intercept }] of cuts) feeds[name] = intercept(given ?? execute(feeds, name));
      return execute(feeds, output.name);
    },
    async forwardAsync(x: Tensor): Promise<Tensor> {
      const result = await model.executeAsync(withWeights({ [input.name]: x }), output.name);
      return (Array.isArray(result) ? result[0] : result)!;
    },
    randomized: nodes
      ? (names: readonly string[], seed: number): RandomizedSource => {
          for (const name of names) checkLayer(name);
          const byName = new Map(nodes.map((node) => [node.name, node]));
          const chosen = names.map((name) => byName.get(nodeNameOf(name))!);
          const nodesWithWeights = () => layerNodes!.filter((node) => model.weights && weightsOf(node, model.weights).length > 0).map((node) => node.name);
          const fresh = freshGraphWeights(tf, model, chosen, seed, nodesWithWeights);
          // Constants replaced in an earlier copy stay replaced (on tensors of this copy's own).
          const owned = new Map(fresh);
          for (const [name, value] of replacedWeights) if (!owned.has(name)) owned.set(name, value.clone());
          return {
            source: graphModelSource(tf, model, embeddingNode, outputNode, owned),
            release: () => {
              for (const value of owned.values()) value.dispose();
            },
          };
        }
      : undefined,
  };
}
