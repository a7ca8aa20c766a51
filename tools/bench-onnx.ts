/**
 * Every method on one ResNet-18 image through @salience/onnx on onnxruntime-node, against the raw
 * session runs it needs, and against the same method on the tfjs path (wasm backend), in one run.
 *
 *   python tools/export-resnet18.py        # once: writes tools/models/resnet18.onnx (git-ignored)
 *   node --conditions=@salience/source --import tsx tools/bench-onnx.ts [--threads 2] [--reps 3]
 *        [--methods gradient,smoothgrad,...] [--batch 8] [--occlusion-reps 1] [--tfjs-reps 1] [--tfjs-methods a,b]
 *        [--no-tfjs] [--batch-sweep]
 *
 * Raw passes are plain `session.run` calls of the forward model and of the same gradient graph
 * (@salience/onnx-autodiff, one-hot seed), with the batch sizes that the method uses: the ratio
 * method / raw is the adapter's and the method's overhead. Every model call of the method is
 * followed by its raw twin (same kind, same rows), timed apart, so that a change of machine load
 * touches both; medians of the repetitions are shown ('in run': the part of the method's time spent
 * inside model.run, the adapter's share). `--batch-sweep` first prints the milliseconds per row of
 * both sessions for batches of 1 to 16 rows.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createRng, type Method, type Model, type TensorData } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { addGradients } from '@salience/onnx-autodiff';
import { smoothGrad } from '@salience/smoothgrad';
import { fromTfjs } from '@salience/tfjs';
import { buildResNet18 } from './resnet18.ts';

const packageRequire = createRequire(new URL('../packages/onnx/package.json', import.meta.url));
const ort = packageRequire('onnxruntime-node') as typeof import('onnxruntime-node');

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const threads = Number(option('threads', '2'));
const reps = Number(option('reps', '3'));
const tfjsReps = Number(option('tfjs-reps', '1'));
const occlusionReps = Number(option('occlusion-reps', '1'));
const batch = Number(option('batch', '8'));
const only = args.includes('--methods') ? new Set(option('methods', '')!.split(',')) : null;
const withTfjs = !args.includes('--no-tfjs');
const tfjsOnly = args.includes('--tfjs-methods') ? new Set(option('tfjs-methods', '')!.split(',')) : null;
const size = 224;
const classes = 1000;
const camTensor = '/blocks/blocks.7/Relu_1_output_0';

const path = new URL('models/resnet18.onnx', import.meta.url);
let bytes: Uint8Array;
try {
  bytes = new Uint8Array(readFileSync(path));
} catch {
  console.error(`No ${path.pathname}: run \`python tools/export-resnet18.py\` first (needs torch).`);
  process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;
let started = performance.now();
const model = await fromOnnx(ort as unknown as OrtModule, bytes, { sessionOptions });
const loadMs = performance.now() - started;

// The raw sessions: the model itself, its input-gradient graph and its Grad-CAM layer graph.
const forward = await ort.InferenceSession.create(bytes, sessionOptions);
const inputGraph = addGradients(bytes, { of: 'logits', seed: 'seed', wrt: ['input'] });
const inputGradient = await ort.InferenceSession.create(inputGraph.model, sessionOptions);
const layerGraph = addGradients(bytes, { of: 'logits', seed: 'seed', wrt: [camTensor], keepOutputs: [camTensor] });
const layerGradient = await ort.InferenceSession.create(layerGraph.model, sessionOptions);

const rng = createRng(7);
const image: TensorData = { data: rng.fillUniform(new Float32Array(3 * size * size)), shape: [1, 3, size, size] };
const target = [207];

type PassKind = 'forward' | 'gradient' | 'layer';
function feeds(kind: PassKind, rows: number): Record<string, import('onnxruntime-node').Tensor> {
  const x = new Float32Array(rows * 3 * size * size);
  for (let r = 0; r < rows; r++) x.set(image.data, r * image.data.length);
  const input = new ort.Tensor('float32', x, [rows, 3, size, size]);
  if (kind === 'forward') return { input };
  const seed = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) seed[r * classes + target[0]!] = 1;
  return { input, seed: new ort.Tensor('float32', seed, [rows, classes]) };
}
const sessions = { forward, gradient: inputGradient, layer: layerGradient };
async function rawPass(kind: PassKind, rows: number): Promise<void> {
  await sessions[kind].run(feeds(kind, rows));
}

if (args.includes('--batch-sweep')) {
  console.log(`ms per row, onnxruntime-node ${threads} threads (median of ${reps})`);
  console.log('rows   forward   forward+gradient   ratio');
  for (const rows of [1, 2, 4, 8, 16]) {
    const f: number[] = [];
    const g: number[] = [];
    await rawPass('forward', rows);
    await rawPass('gradient', rows);
    for (let r = 0; r < reps; r++) {
      f.push(await timed(() => rawPass('forward', rows)));
      g.push(await timed(() => rawPass('gradient', rows)));
    }
    const [fm, gm] = [median(f)! / rows, median(g)! / rows];
    console.log(`${String(rows).padStart(4)} ${fm.toFixed(1).padStart(9)} ${gm.toFixed(1).padStart(18)} ${(gm / fm).toFixed(2).padStart(7)}`);
  }
  console.log('');
}

interface Case {
  readonly name: string;
  readonly method: Method<object>;
  readonly options: object;
  /** Rows of each raw pass that the method needs (checked against the calls it makes). */
  readonly passes: Partial<Record<PassKind, number>>;
  readonly workload: string;
}
const windows = ((size - 16) / 8 + 1) ** 2;
const cases: Case[] = [
  { name: 'gradient', method: gradient, options: {}, passes: { gradient: 1 }, workload: '1 image' },
  { name: 'smoothgrad', method: smoothGrad(gradient), options: { samples: 32 }, passes: { gradient: 32 }, workload: '32 samples' },
  // The path, plus the logits of the input and of the baseline for the convergence delta.
  { name: 'integrated-gradients', method: integratedGradients, options: { steps: 50 }, passes: { gradient: 50, forward: 2 }, workload: '50 steps' },
  // 'blocks' (the Sequential of the eight BasicBlocks) is the module whose output camTensor is.
  { name: 'grad-cam', method: gradCam, options: { layer: 'blocks' }, passes: { layer: 1 }, workload: '1 image' },
  // Every occluded copy, plus the unoccluded input.
  { name: 'occlusion', method: occlusion, options: { window: 16, stride: 8 }, passes: { forward: windows + 1 }, workload: `${windows} windows` },
];

async function tfjsModel(): Promise<{ model: Model; input: TensorData; camLayer: string; backend: string }> {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount?.(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const nhwc = new Float32Array(image.data.length);
  const plane = size * size;
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) nhwc[i * 3 + c] = image.data[c * plane + i]!;
  return {
    model: fromTfjs(tf, buildResNet18(tf, { size, classes })),
    input: { data: nhwc, shape: [1, size, size, 3] },
    camLayer: 'layer4_1_out',
    backend: `tfjs ${tf.getBackend()} (${(wasm as { getThreadsCount?: () => number }).getThreadsCount?.() ?? '?'} threads)`,
  };
}
const tfjs = withTfjs ? await tfjsModel() : undefined;

started = performance.now();
await model.run({ input: image, outputs: ['inputGradients'], target });
const firstGradientMs = performance.now() - started;
console.log(`ResNet-18 ${size}x${size}, one image, onnxruntime-node ${threads} threads, at most ${batch} rows per call; medians of ${reps} (tfjs: ${tfjsReps})`);
console.log(`fromOnnx ${loadMs.toFixed(0)} ms (decode, op check, forward session); first gradient request ${firstGradientMs.toFixed(0)} ms (graph build + session)\n`);
console.log(`method                 workload        onnx ms  in run ms   raw ms   ratio  run/raw   ${tfjs ? `${tfjs.backend} ms   tfjs / onnx` : ''}`);
// Each model.run of the method is followed by the raw session run of the same kind and batch
// size, timed apart: the method's time is the total less those, and load drifts touch both alike.
let inRunMs = 0;
let pairedRawMs = 0;
let pairedRows: Partial<Record<PassKind, number>> = {};
const timedModel: Model = new Proxy(model, {
  get(target, property) {
    if (property !== 'run') return Reflect.get(target, property, target);
    return async (request: Parameters<Model['run']>[0]) => {
      const start = performance.now();
      const answer = await target.run(request);
      inRunMs += performance.now() - start;
      const kind: PassKind = request.outputs.includes('layerGradients') ? 'layer' : request.outputs.includes('inputGradients') ? 'gradient' : 'forward';
      pairedRawMs += await timed(() => rawPass(kind, request.input.shape[0]!));
      pairedRows[kind] = (pairedRows[kind] ?? 0) + request.input.shape[0]!;
      return answer;
    };
  },
});
for (const c of cases) {
  if (only && !only.has(c.name)) continue;
  const run = () => c.method.attribute(timedModel, image, { ...c.options, target, batchSize: batch });
  await run();
  const rawMs: number[] = [];
  const methodMs: number[] = [];
  const runMs: number[] = [];
  // Long workloads (occlusion: hundreds of calls) average their own noise: one repetition; one-call methods get more.
  const oneCall = Object.values(c.passes).reduce((a, b) => a + b, 0) === 1;
  const repetitions = c.name === 'occlusion' ? Math.min(reps, occlusionReps) : oneCall ? 5 * reps : reps;
  for (let r = 0; r < repetitions; r++) {
    inRunMs = 0;
    pairedRawMs = 0;
    pairedRows = {};
    const total = await timed(run);
    methodMs.push(total - pairedRawMs);
    runMs.push(inRunMs);
    rawMs.push(pairedRawMs);
  }
  let tfjsColumn = '';
  if (tfjs && (!tfjsOnly || tfjsOnly.has(c.name))) {
    const options = c.name === 'grad-cam' ? { layer: tfjs.camLayer } : c.options;
    const runTfjs = (extra: object = {}) => c.method.attribute(tfjs.model, tfjs.input, { ...options, ...extra, target, batchSize: batch });
    // Warm-up (kernels, weight uploads) on a small workload: tfjs's occlusion takes minutes.
    await runTfjs(c.name === 'occlusion' ? { window: 112, stride: 112 } : {});
    const tfjsMs: number[] = [];
    for (let r = 0; r < tfjsReps; r++) tfjsMs.push(await timed(() => runTfjs()));
    tfjsColumn = `${median(tfjsMs)!.toFixed(0).padStart(12)} ${(median(tfjsMs)! / median(methodMs)!).toFixed(1).padStart(12)}x`;
  }
  const [m, r, inRun] = [median(methodMs), median(rawMs), median(runMs)];
  const kinds = new Set([...Object.keys(c.passes), ...Object.keys(pairedRows)] as PassKind[]);
  if ([...kinds].some((k) => c.passes[k] !== pairedRows[k])) console.log(`  (${c.name} ran ${JSON.stringify(pairedRows)} rows; expected ${JSON.stringify(c.passes)})`);
  console.log(
    `${c.name.padEnd(22)} ${c.workload.padEnd(14)} ${m!.toFixed(0).padStart(8)} ${inRun!.toFixed(0).padStart(9)} ${r!.toFixed(0).padStart(8)} ${(m! / r!).toFixed(3).padStart(7)} ${(inRun! / r!).toFixed(3).padStart(9)}   ${tfjsColumn}`,
  );
}
model.dispose();
tfjs?.model.dispose();
await Promise.all([forward.release(), inputGradient.release(), layerGradient.release()]);
