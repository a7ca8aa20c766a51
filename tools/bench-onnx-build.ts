/**
 * Build cost of a gradient graph, step by step, for one ONNX model (issue 14 item 5):
 *
 *   node --conditions=@salience/source --import tsx tools/bench-onnx-build.ts PATH.onnx \
 *     [--batch 2] [--seq 16] [--size 224] [--wrt TENSOR] [--threads 1] [--runs 1] [--repeat 3] [--json OUT]
 *
 * Each step is timed in wall and CPU milliseconds (the process's user + system time, all threads:
 * on a loaded machine only the CPU column compares), the median of --repeat fresh builds:
 *
 * - graph work, as fromOnnx builds graphs since the weights are shared: `externalize` (the model
 *   with its large initializers pointing into its own bytes, as external data), `decode`, `specialise`
 *   (to concrete input shapes: symbolic dims are --batch first, spatial ones --size, others --seq),
 *   `extend` (target objective + gradient nodes), `serialise`, and `session` (onnxruntime-node,
 *   the extended graph given the original bytes as external data);
 * - the same graph work as before sharing (`decode`, `extend`, `serialise` and `session` of the
 *   whole model, weights inline), in the same run, for comparison;
 * - onnxruntime's own session over the unchanged model file, for scale: what any caller pays;
 * - the library end to end: `fromOnnx` (read, decode, op check, forward session) and the first
 *   gradient request (for token models as tokenIntegratedGradients makes it: the embeddings and
 *   logits of the ids, then the gradient from embeddings fed), then the first run of the graph.
 *
 * The gradient is taken w.r.t. --wrt, else the first float input, else the output of the embedding
 * Gather (the largest Gather on an initializer). Models with external data load when
 * `model.onnx_data` sits beside the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TensorData } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { appendTargetObjective, buildGradients, externalizeWeights, ModelGraph } from '@salience/onnx-autodiff';
import * as ort from 'onnxruntime-node';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const path = positional[0];
if (!path) {
  console.error('usage: tools/bench-onnx-build.ts PATH.onnx [--batch 2] [--seq 16] [--size 224] [--wrt TENSOR] [--threads 1] [--repeat 3] [--json OUT]');
  process.exit(2);
}
const batch = Number(option('batch') ?? 2);
const seq = Number(option('seq') ?? 16);
const size = option('size') === undefined ? undefined : Number(option('size'));
const threads = Number(option('threads') ?? 1);
const runs = Number(option('runs') ?? 1);
const repeat = Number(option('repeat') ?? 3);
const json = option('json');
const LOCATION = 'bench_model_bytes';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** Wall and CPU ms of each step, per repetition. */
const times = new Map<string, { wall: number[]; cpu: number[] }>();
async function step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const [t, c] = [performance.now(), cpuMs()];
  const out = await work();
  const entry = times.get(name) ?? { wall: [], cpu: [] };
  entry.wall.push(performance.now() - t);
  entry.cpu.push(cpuMs() - c);
  times.set(name, entry);
  return out;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 } as const;
const bytes = await step('read', () => new Uint8Array(readFileSync(path)));
// onnxruntime-node takes external data as bytes when the model itself is given as bytes.
const ownData = existsSync(`${dirname(path)}/model.onnx_data`) ? [{ path: 'model.onnx_data', data: new Uint8Array(readFileSync(`${dirname(path)}/model.onnx_data`)) }] : [];

const probe = ModelGraph.decode(bytes);
// Concrete dims for every graph input.
const shapes: Record<string, number[]> = {};
for (const name of probe.inputs) {
  const declared = probe.info(name).shape ?? [];
  shapes[name] = declared.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return batch;
    return declared.length === 4 && i >= 2 ? (size ?? 224) : seq;
  });
}
function embeddingOutput(g: ModelGraph): string | undefined {
  let best: { name: string; rows: number } | undefined;
  for (const node of g.nodes) {
    if (node.opType !== 'Gather' || !g.isInitializer(node.input?.[0] ?? '')) continue;
    const table = g.info(node.input![0]!).shape;
    const rows = (table?.[0] as number) ?? 0;
    if (table?.length === 2 && (!best || rows > best.rows)) best = { name: node.output![0]!, rows };
  }
  return best?.name;
}
const floatInput = probe.inputs.find((n) => probe.info(n).dtype === 1);
const found = option('wrt') ?? floatInput ?? embeddingOutput(probe);
if (!found) throw new Error('No float input and no embedding Gather: name the tensor with --wrt.');
const wrt: string = found;
const output = probe.outputs[0]!;

/** Specialise and extend a graph, returning its bytes and names. */
function extend(graph: ModelGraph, prefix: string) {
  return async () => {
    const special = await step(`${prefix}specialise`, () => graph.specialize(shapes));
    const extended = special.fork();
    const names = await step(`${prefix}extend`, () => {
      const { objective, targetInput } = appendTargetObjective(extended, { logits: output, kind: 'logit', targetInput: 'target_weights' });
      return { ...buildGradients(extended, { of: objective, wrt: [wrt] }), targetInput };
    });
    return { ...names, special, model: await step(`${prefix}serialise`, () => extended.toBytes()) };
  };
}

let built: Awaited<ReturnType<ReturnType<typeof extend>>> | undefined;
let session: ort.InferenceSession | undefined;
for (let r = 0; r < repeat; r++) {
  // What fromOnnx does now: the weights stay in the original bytes, every session points at them.
  const lean = await step('externalize', () => externalizeWeights(bytes, { location: LOCATION }) ?? bytes);
  const shared = lean === bytes ? ownData : [...ownData, { path: LOCATION, data: bytes }];
  const graph = await step('decode', () => ModelGraph.decode(lean));
  built = await extend(graph, '')();
  session?.release();
  const model = built.model;
  session = await step('session', () => ort.InferenceSession.create(model, { ...sessionOptions, externalData: shared } as never));
  // As before: the whole model decoded, extended and serialised with its weights.
  const whole = await step('before: decode', () => ModelGraph.decode(bytes));
  const before = await extend(whole, 'before: ')();
  const inline = await step('before: session', () => ort.InferenceSession.create(before.model, { ...sessionOptions, externalData: ownData } as never));
  await inline.release();
  // onnxruntime's own session over the unchanged model, for scale.
  const plain = await step('ORT: unchanged model', () => ort.InferenceSession.create(bytes, { ...sessionOptions, externalData: ownData } as never));
  await plain.release();
}
if (!built || !session) throw new Error('--repeat must be at least 1');

const feeds: Record<string, ort.Tensor> = {};
for (const name of probe.inputs) {
  const dims = shapes[name]!;
  const count = dims.reduce((a, b) => a * b, 1);
  const dtype = probe.info(name).dtype;
  const id = (i: number) => (/mask/i.test(name) ? 1 : /type/i.test(name) ? 0 : 1 + ((i * 37) % 100));
  if (dtype === 7)
    feeds[name] = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: count }, (_, i) => BigInt(id(i))),
      dims,
    );
  else if (dtype === 6)
    feeds[name] = new ort.Tensor(
      'int32',
      Int32Array.from({ length: count }, (_, i) => id(i)),
      dims,
    );
  else
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: count }, (_, i) => Math.sin(i) * 0.5),
      dims,
    );
}
const classes = (built.special.info(output).shape?.[1] as number) ?? 2;
const weights = new Float32Array(batch * classes);
for (let b = 0; b < batch; b++) weights[b * classes + (b % classes)] = 1;
feeds[built.targetInput] = new ort.Tensor('float32', weights, [batch, classes]);
const gradientName = built.gradients[wrt]!;
const result = await step('first run', () => session!.run(feeds, [output, gradientName]));
const later: number[] = [];
for (let i = 0; i < runs - 1; i++) {
  const t = performance.now();
  await session.run(feeds, [output, gradientName]);
  later.push(performance.now() - t);
}
const gradient = result[gradientName]!.data as Float32Array;
let max = 0;
for (const v of gradient) max = Math.max(max, Math.abs(v));
await session.release();

// The library end to end, as a user meets it (one fresh model per repetition).
const tokenModel = probe.inputs.some((n) => probe.info(n).dtype === 7 || probe.info(n).dtype === 6);
for (let r = 0; r < repeat; r++) {
  const model = await step('library: fromOnnx', () =>
    fromOnnx(ort as unknown as OrtModule, path, { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 } }),
  );
  const dims = [batch, ...(model.inputShape.slice(1) as (number | null)[]).map((d, i) => d ?? (model.layout === 'tokens' ? seq : i === 0 ? 3 : (size ?? 224)))];
  const count = dims.reduce((a, b) => a * b, 1);
  const input: TensorData = {
    data: Float32Array.from({ length: count }, (_, i) => (tokenModel ? 1 + ((i * 37) % 100) : Math.sin(i) * 0.5)),
    shape: dims,
  };
  const target = Int32Array.from({ length: batch }, (_, b) => b % classes);
  await step('library: first gradient', async () => {
    if (model.layout !== 'tokens') return model.run({ input, outputs: ['inputGradients'], target });
    const { embeddings } = await model.run({ input, outputs: ['embeddings', 'logits'] });
    return model.run({ input, embeddings, outputs: ['embeddingGradients'], target });
  });
  model.dispose();
}

const rows = [...times].map(([name, t]) => ({ step: name, wallMs: median(t.wall), cpuMs: median(t.cpu), samples: t.wall.length }));
const ours = ['externalize', 'decode', 'specialise', 'extend', 'serialise', 'session'];
const before = ['before: decode', 'before: specialise', 'before: extend', 'before: serialise', 'before: session'];
const sum = (names: string[], key: 'wallMs' | 'cpuMs') => names.reduce((a, n) => a + (rows.find((r) => r.step === n)?.[key] ?? 0), 0);
console.log(
  `${path}: wrt '${wrt}', inputs ${JSON.stringify(shapes)}, ${probe.nodes.length} nodes, ${(bytes.length / 1e6).toFixed(1)} MB, ${threads} thread(s), median of ${repeat}`,
);
console.log(`  ${'step'.padEnd(26)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(8)}`);
for (const row of rows) console.log(`  ${row.step.padEnd(26)} ${row.wallMs!.toFixed(0).padStart(8)} ${row.cpuMs!.toFixed(0).padStart(8)}`);
console.log(`  ${'= graph work + session'.padEnd(26)} ${sum(ours, 'wallMs').toFixed(0).padStart(8)} ${sum(ours, 'cpuMs').toFixed(0).padStart(8)}`);
console.log(`  ${'= same, before sharing'.padEnd(26)} ${sum(before, 'wallMs').toFixed(0).padStart(8)} ${sum(before, 'cpuMs').toFixed(0).padStart(8)}`);
if (later.length) console.log(`  ${'later runs'.padEnd(26)} ${median(later)!.toFixed(0).padStart(8)} ms (median of ${later.length})`);
console.log(`  gradient: ${gradient.length} values, max |g| ${max.toExponential(3)}`);
if (json) writeFileSync(json, `${JSON.stringify({ path, wrt, shapes, threads, repeat, rows }, null, 1)}\n`);
