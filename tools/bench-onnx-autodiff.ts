/**
 * Cost of the gradient graph built by @salience/onnx-autodiff against the plain forward pass, on
 * onnxruntime-node with 2 threads, measured in one run.
 *
 *   python tools/export-resnet18.py            # once: writes tools/models/resnet18.onnx
 *   node --conditions=@salience/source --import tsx tools/bench-onnx-autodiff.ts [model.onnx] [--batch 1] [--runs 20] [--threads 2]
 *
 * Prints the build time of the extended graph, forward ms, forward+gradient ms (d logit[target] /
 * d input, seeded one-hot) and their ratio. Medians over `runs` after warm-up, the two sessions
 * alternating so that both see the same machine load.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { addGradients, ModelGraph } from '@salience/onnx-autodiff';

const packageRequire = createRequire(new URL('../packages/onnx-autodiff/package.json', import.meta.url));
const ort = packageRequire('onnxruntime-node') as typeof import('onnxruntime-node');

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const path = positional[0] ?? new URL('models/resnet18.onnx', import.meta.url).pathname;
const batch = option('batch', 1);
const runs = option('runs', 20);
const threads = option('threads', 2);

const bytes = new Uint8Array(readFileSync(path));
const started = performance.now();
const graph = ModelGraph.decode(bytes);
const input = graph.inputs[0]!;
const output = graph.outputs[0]!;
const built = addGradients(graph, { of: output, seed: 'seed', wrt: [input] });
const buildMs = performance.now() - started;

const options = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;
const forward = await ort.InferenceSession.create(bytes, options);
const backward = await ort.InferenceSession.create(built.model, options);

const inputShape = graph.info(input).shape!.map((d, i) => (i === 0 ? batch : (d as number)));
const size = inputShape.reduce((a, b) => a * b, 1);
const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.5 + 0.5);
const x = new ort.Tensor('float32', data, inputShape);
const classes = graph.info(output).shape![1] as number;
const seed = new Float32Array(batch * classes);
for (let b = 0; b < batch; b++) seed[b * classes + ((b * 7) % classes)] = 1;
const seedTensor = new ort.Tensor('float32', seed, [batch, classes]);

async function time(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}
const runForward = () => forward.run({ [input]: x });
const runBackward = () => backward.run({ [input]: x, seed: seedTensor });
for (let i = 0; i < 3; i++) {
  await runForward();
  await runBackward();
}
const forwardTimes: number[] = [];
const backwardTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  forwardTimes.push(await time(runForward));
  backwardTimes.push(await time(runBackward));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const f = median(forwardTimes)!;
const g = median(backwardTimes)!;
console.log(`model ${path.split('/').pop()} (${graph.nodes.length} nodes), batch ${batch}, ${threads} threads, ${runs} runs`);
console.log(`build gradient graph: ${buildMs.toFixed(0)} ms (+${ModelGraph.decode(built.model).nodes.length - graph.nodes.length} nodes)`);
console.log(`forward:            ${f.toFixed(1)} ms`);
console.log(`forward + gradient: ${g.toFixed(1)} ms`);
console.log(`ratio:              ${(g / f).toFixed(2)}x`);
await forward.release();
await backward.release();
