// The page that tools/bench-browser.ts opens once per backend: times each method on the
// ResNet-18-sized model against the raw passes it needs, in this browser, and leaves the result on
// window.benchResult. Parameters come from the query string.
import { createRng, type Method, type TensorData } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { buildResNet18 } from '../../../tools/resnet18.js';
import { offerOf, type TfjsBackend } from '../src/backends.js';

export interface BenchRow {
  readonly method: string;
  readonly workload: string;
  readonly ms: number;
  readonly rawMs: number;
}

export interface BenchResult {
  readonly backend: string;
  readonly offered: boolean;
  readonly detail: string;
  readonly size: number;
  readonly batch: number;
  readonly rawBackwardMs?: number;
  readonly rawForwardMs?: number;
  readonly rows: BenchRow[];
  readonly error?: string;
}

const params = new URLSearchParams(location.search);
const backend = (params.get('backend') ?? 'webgl') as TfjsBackend;
const size = Number(params.get('size') ?? 224);
const batch = Number(params.get('batch') ?? 4);
const reps = Number(params.get('reps') ?? 1);
const steps = Number(params.get('steps') ?? 50);
const only = params.get('methods') ? new Set(params.get('methods')!.split(',')) : null;
const classes = 1000;
const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
};

async function time(work: () => Promise<unknown>): Promise<number> {
  await work(); // warm-up: shaders compiled, weights uploaded
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await work();
    runs.push(performance.now() - start);
  }
  return [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

async function bench(): Promise<BenchResult> {
  const offer = await offerOf(tf, backend);
  if (!offer.offered) return { backend, offered: false, detail: offer.detail, size, batch, rows: [] };
  const net = buildResNet18(tf, { size, classes });
  const model = fromTfjs(tf, net);
  const rng = createRng(7);
  const input = (rows: number): TensorData => ({ data: rng.fillUniform(new Float32Array(rows * size * size * 3)), shape: [rows, size, size, 3] });
  const images = input(batch);
  const one = input(1);
  const target = (rows: number) => Array.from({ length: rows }, (_, i) => (i * 37) % classes);

  // The raw passes through the adapter: one forward, and one forward+backward of `batch` rows.
  const rawBackwardMs = await time(() => model.run({ input: images, outputs: ['inputGradients'], target: target(batch) }));
  const rawForwardMs = await time(() => model.run({ input: images, outputs: ['logits'] }));
  log(`${backend}: raw forward+backward of ${batch} rows ${rawBackwardMs.toFixed(0)} ms, forward ${rawForwardMs.toFixed(0)} ms`);
  const perRow = { backward: rawBackwardMs / batch, forward: rawForwardMs / batch };
  const windowSize = Math.max(1, Math.round(size / 4));
  const windows = Math.ceil(size / windowSize) ** 2;
  const cases: { name: string; method: Method<object>; input: TensorData; options: object; workload: string; raw: number }[] = [
    { name: 'gradient', method: gradient, input: images, options: {}, workload: `${batch} images`, raw: rawBackwardMs },
    { name: 'smoothgrad', method: smoothGrad(gradient), input: one, options: { samples: 16 }, workload: '16 samples', raw: 16 * perRow.backward },
    {
      name: 'integrated-gradients',
      method: integratedGradients,
      input: one,
      options: { steps },
      workload: `${steps} steps`,
      raw: steps * perRow.backward + 2 * perRow.forward,
    },
    { name: 'grad-cam', method: gradCam, input: images, options: { layer: 'layer4_1_out' }, workload: `${batch} images`, raw: rawBackwardMs },
    {
      name: 'occlusion',
      method: occlusion,
      input: one,
      options: { window: windowSize, stride: windowSize },
      workload: `${windows} windows`,
      raw: (windows + 1) * perRow.forward,
    },
  ];
  const rows: BenchRow[] = [];
  for (const c of cases) {
    if (only && !only.has(c.name)) continue;
    const ms = await time(() => c.method.attribute(model, c.input, { ...c.options, target: target(c.input.shape[0]!), batchSize: batch }));
    rows.push({ method: c.name, workload: c.workload, ms, rawMs: c.raw });
    log(`${backend}: ${c.name} ${c.workload} ${ms.toFixed(0)} ms`);
  }
  model.dispose();
  net.dispose();
  return { backend, offered: true, detail: offer.detail, size, batch, rawBackwardMs, rawForwardMs, rows };
}

const scope = window as unknown as { benchResult?: BenchResult };
bench().then(
  (result) => {
    scope.benchResult = result;
  },
  (error: Error) => {
    scope.benchResult = { backend, offered: true, detail: '', size, batch, rows: [], error: error.stack ?? error.message };
  },
);
