/**
 * Build cost of a gradient graph, step by step, for one ONNX model (issue 14 item 5):
 *
 *   node --conditions=@salience/source --import tsx tools/bench-onnx-build.ts PATH.onnx \
 *     [--batch 2] [--seq 16] [--size 224] [--wrt TENSOR] [--threads 2] [--runs 1]
 *
 * Prints the milliseconds of: reading the file, decoding it (ModelGraph.decode), specialising it
 * to concrete input shapes (symbolic dims: the first is --batch, spatial ones --size, others --seq),
 * extending it (target objective + gradient nodes), serialising it, creating the onnxruntime-node
 * session (after one for the unchanged model, for scale), and the first run (then the median of --runs more). The gradient is taken w.r.t. --wrt,
 * else the first float input, else the output of the embedding Gather (the largest Gather on an
 * initializer). Models with external data load when `model.onnx_data` sits beside the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { appendTargetObjective, buildGradients, ModelGraph } from '@salience/onnx-autodiff';

const packageRequire = createRequire(new URL('../packages/onnx-autodiff/package.json', import.meta.url));
const ort = packageRequire('onnxruntime-node') as typeof import('onnxruntime-node');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const path = positional[0];
if (!path) {
  console.error('usage: tools/bench-onnx-build.ts PATH.onnx [--batch 2] [--seq 16] [--size 224] [--wrt TENSOR]');
  process.exit(2);
}
const batch = Number(option('batch') ?? 2);
const seq = Number(option('seq') ?? 16);
const size = option('size') === undefined ? undefined : Number(option('size'));
const threads = Number(option('threads') ?? 2);
const runs = Number(option('runs') ?? 1);

const times: [string, number][] = [];
async function step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await work();
  times.push([name, performance.now() - t]);
  return out;
}

const bytes = await step('read', () => new Uint8Array(readFileSync(path)));
const graph = await step('decode', () => ModelGraph.decode(bytes));

// Concrete dims for every graph input.
const shapes: Record<string, number[]> = {};
for (const name of graph.inputs) {
  const declared = graph.info(name).shape ?? [];
  shapes[name] = declared.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return batch;
    return declared.length === 4 && i >= 2 ? (size ?? 224) : seq;
  });
}
const special = await step('specialise', () => graph.specialize(shapes));

function embeddingOutput(g: ModelGraph): string | undefined {
  let best: { name: string; rows: number } | undefined;
  for (const node of g.nodes) {
    if (node.opType !== 'Gather' || !g.isInitializer(node.input?.[0] ?? '')) continue;
    const rows = (g.info(node.input![0]).shape?.[0] as number) ?? 0;
    if (g.info(node.input![0]).shape?.length === 2 && (!best || rows > best.rows)) best = { name: node.output![0], rows };
  }
  return best?.name;
}
const floatInput = graph.inputs.find((n) => graph.info(n).dtype === 1);
const wrt = option('wrt') ?? floatInput ?? embeddingOutput(graph);
if (!wrt) throw new Error('No float input and no embedding Gather: name the tensor with --wrt.');
const output = graph.outputs[0];

const extended = special.fork();
const names = await step('extend', () => {
  const { objective, targetInput } = appendTargetObjective(extended, { logits: output, kind: 'logit', targetInput: 'target_weights' });
  return { ...buildGradients(extended, { of: objective, wrt: [wrt] }), targetInput };
});
const built = { ...names, model: await step('serialise', () => extended.toBytes()) };
const sessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
} as const;
// onnxruntime-node takes external data as bytes when the model itself is given as bytes.
const externalData = hasExternalData(path)
  ? await step('read-external', () => [{ path: 'model.onnx_data', data: new Uint8Array(readFileSync(`${dirname(path)}/model.onnx_data`)) }])
  : undefined;
// The original model's own session, for scale: what the runtime costs before any gradient node.
const plain = await step('session (original)', () => ort.InferenceSession.create(bytes, { ...sessionOptions, ...(externalData ? { externalData } : {}) } as never));
await plain.release();
const session = await step('session-create', () => ort.InferenceSession.create(built.model, { ...sessionOptions, ...(externalData ? { externalData } : {}) } as never));

const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
for (const name of graph.inputs) {
  const dims = shapes[name];
  const count = dims.reduce((a, b) => a * b, 1);
  const dtype = graph.info(name).dtype;
  if (dtype === 7) {
    const isMask = /mask/i.test(name);
    feeds[name] = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: count }, (_, i) => BigInt(isMask ? 1 : /type/i.test(name) ? 0 : (i * 37) % 100)),
      dims,
    );
  } else if (dtype === 6)
    feeds[name] = new ort.Tensor(
      'int32',
      Int32Array.from({ length: count }, (_, i) => (i * 37) % 100),
      dims,
    );
  else
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: count }, (_, i) => Math.sin(i) * 0.5),
      dims,
    );
}
const classes = (special.info(output).shape?.[1] as number) ?? 2;
const weights = new Float32Array(batch * classes);
for (let b = 0; b < batch; b++) weights[b * classes + (b % classes)] = 1;
feeds[built.targetInput] = new ort.Tensor('float32', weights, [batch, classes]);
const gradientName = built.gradients[wrt];
const result = await step('first-run', () => session.run(feeds, [output, gradientName]));
const later: number[] = [];
for (let i = 0; i < runs - 1; i++) {
  const t = performance.now();
  await session.run(feeds, [output, gradientName]);
  later.push(performance.now() - t);
}

const gradient = result[gradientName].data as Float32Array;
let max = 0;
for (const v of gradient) max = Math.max(max, Math.abs(v));
console.log(`${path}: wrt '${wrt}', inputs ${JSON.stringify(shapes)}, ${graph.nodes.length} nodes, ${(bytes.length / 1e6).toFixed(1)} MB`);
for (const [name, ms] of times) console.log(`  ${name.padEnd(15)} ${ms.toFixed(0).padStart(7)} ms`);
if (later.length)
  console.log(
    `  ${'later runs'.padEnd(15)} ${later
      .sort((a, b) => a - b)
      [later.length >> 1].toFixed(0)
      .padStart(7)} ms (median of ${later.length})`,
  );
console.log(`  gradient: ${gradient.length} values, max |g| ${max.toExponential(3)}`);
await session.release();

function hasExternalData(model: string): boolean {
  return existsSync(`${dirname(model)}/model.onnx_data`);
}
