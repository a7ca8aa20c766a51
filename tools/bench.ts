// `pnpm bench [--backend wasm|cpu|tensorflow|webgpu] [--batch 8] [--size 224] [--reps 2] [--methods a,b]`
// Times each method on a ResNet-18-sized tfjs model (random weights) against the raw passes it
// needs, measured in the same run on the same backend: ratio = method time / raw pass time.
// Peak tensor memory is shown for two workload sizes per method: it must not grow with them.
import { type Method, type TensorData, createRng } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import { fromTfjs, withoutFilterGradients } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildResNet18 } from './resnet18.ts';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const backend = args.backend ?? 'wasm';
const batch = Number(args.batch ?? 8);
const size = Number(args.size ?? 224);
const reps = Number(args.reps ?? 2);
const only = args.methods ? new Set(args.methods.split(',')) : null;
const classes = 1000;

await tf.setBackend(backend);
await tf.ready();
const layersModel = buildResNet18(tf, { size, classes });
const model = fromTfjs(tf, layersModel);
const rng = createRng(7);
const makeInput = (rows: number): TensorData => ({
  data: rng.fillUniform(new Float32Array(rows * size * size * 3)),
  shape: [rows, size, size, 3],
});
const inputs = { batch: makeInput(batch), one: makeInput(1) };
const targetsFor = (rows: number) => Array.from({ length: rows }, (_, i) => (i * 37) % classes);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(work: () => Promise<unknown>): Promise<number> {
  await work(); // warm-up: kernels compiled, weights uploaded
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await work();
    runs.push(performance.now() - start);
  }
  return median(runs);
}

// The raw passes, straight on tfjs: a forward, and a forward+backward giving input gradients, of
// `rows` rows; measured once per row count that the methods' batches use.
const rawCache = new Map<string, number>();
// Grad-CAM's raw pass: the trunk up to the last block's output, then the head's backward to it.
const camLayer = 'layer4_1_out';
const trunk = tf.model({ inputs: layersModel.inputs, outputs: layersModel.getLayer(camLayer).output as tf.SymbolicTensor });
const head = (a: tf.Tensor) => layersModel.getLayer('fc').apply(layersModel.getLayer('avgpool').apply(a)) as tf.Tensor;

type PassKind = 'forward' | 'backward' | 'layer';
async function rawPass(kind: PassKind, rows: number): Promise<number> {
  const key = `${kind}:${rows}`;
  if (!rawCache.has(key)) {
    const x = tf.tensor4d(makeInput(rows).data, [rows, size, size, 3]);
    const oneHot = tf.oneHot(tf.tensor1d(Array.from({ length: rows }, (_, i) => i % classes), 'int32'), classes).toFloat();
    const inputGradient = () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layersModel.apply(v) as tf.Tensor, oneHot)))(x));
    const ms = await time(async () => {
      // The adapter skips the filter gradients that tfjs's fused convolution computes and nobody
      // reads; the raw pass is given the same advantage, so the ratio is the method's own overhead.
      if (kind === 'layer') {
        const [a, g] = tf.tidy(() => {
          const activations = trunk.apply(x) as tf.Tensor;
          return [activations, tf.grad((v: tf.Tensor) => tf.sum(tf.mul(head(v), oneHot)))(activations)];
        });
        await Promise.all([a.data(), g.data()]);
        tf.dispose([a, g]);
        return;
      }
      const y = kind === 'forward' ? tf.tidy(() => layersModel.apply(x) as tf.Tensor) : withoutFilterGradients(tf, inputGradient);
      await y.data();
      y.dispose();
    });
    x.dispose();
    oneHot.dispose();
    rawCache.set(key, ms);
  }
  return rawCache.get(key)!;
}
async function rawMs(kind: PassKind, rows: number): Promise<number> {
  if (rows === 0) return 0;
  const full = Math.floor(rows / batch);
  const rest = rows % batch;
  return full * (await rawPass(kind, batch)) + (rest ? await rawPass(kind, rest) : 0);
}

console.log(`backend ${backend}, ResNet-18 ${size}x${size}, batch ${batch} rows per model call, median of ${reps}`);
console.log(`raw forward+backward of ${batch} rows: ${(await rawPass('backward', batch)).toFixed(0)} ms, forward: ${(await rawPass('forward', batch)).toFixed(0)} ms\n`);

interface Case {
  name: string;
  method: Method<object>;
  /** Examples explained: a full batch for one-pass methods, one image for methods that fill batches themselves. */
  images: 'batch' | 'one';
  /** Options for the timed run and for the two memory runs (small, large workload). */
  options: [object, object, object];
  /** Raw passes the method needs for the given options: rows of forward+backward and of forward only. */
  rows: (options: object) => { backward?: number; forward?: number; layer?: number };
  workload: (options: object) => string;
}

const cases: Case[] = [
  {
    name: 'gradient',
    method: gradient,
    images: 'batch',
    options: [{}, {}, {}],
    rows: () => ({ backward: batch, forward: 0 }),
    workload: () => `${batch} images`,
  },
  {
    name: 'smoothgrad',
    method: smoothGrad(gradient),
    images: 'one',
    options: [{ samples: 16 }, { samples: 8 }, { samples: 32 }],
    rows: (o) => ({ backward: (o as { samples: number }).samples, forward: 0 }),
    workload: (o) => `${(o as { samples: number }).samples} samples`,
  },
  {
    name: 'integrated-gradients',
    method: integratedGradients,
    images: 'one',
    options: [{ steps: 16 }, { steps: 8 }, { steps: 32 }],
    rows: (o) => ({ backward: (o as { steps: number }).steps, forward: 2 }),
    workload: (o) => `${(o as { steps: number }).steps} steps`,
  },
  {
    name: 'grad-cam',
    method: gradCam,
    images: 'batch',
    options: [{ layer: camLayer }, { layer: camLayer }, { layer: camLayer }],
    rows: () => ({ layer: batch }),
    workload: () => `${batch} images`,
  },
  {
    name: 'occlusion',
    method: occlusion,
    images: 'one',
    options: [{ window: size / 4, stride: size / 4 }, { window: size / 4, stride: size / 4 }, { window: size / 8, stride: size / 8 }],
    rows: (o) => {
      const w = (o as { window: number }).window;
      return { backward: 0, forward: Math.ceil(size / w) ** 2 + 1 };
    },
    workload: (o) => `${(Math.ceil(size / (o as { window: number }).window) ** 2)} windows`,
  },
];

console.log('method                 workload       method ms   raw ms   ratio   peak MB (small -> large workload)');
for (const c of cases) {
  if (only && !only.has(c.name)) continue;
  const [timed, small, large] = c.options;
  const input = inputs[c.images];
  const target = targetsFor(input.shape[0]);
  const ms = await time(() => c.method.attribute(model, input, { ...timed, target, batchSize: batch }));
  const rows = c.rows(timed);
  const raw = (await rawMs('backward', rows.backward ?? 0)) + (await rawMs('forward', rows.forward ?? 0)) + (await rawMs('layer', rows.layer ?? 0));
  const peaks: string[] = [];
  for (const o of [small, large]) {
    const profile = await tf.profile(() => c.method.attribute(model, input, { ...o, target, batchSize: batch }) as never);
    peaks.push(`${(profile.peakBytes / 2 ** 20).toFixed(0)} (${c.workload(o)})`);
  }
  console.log(
    `${c.name.padEnd(22)} ${c.workload(timed).padEnd(14)} ${ms.toFixed(0).padStart(9)} ${raw.toFixed(0).padStart(8)} ${(ms / raw).toFixed(3).padStart(7)}   ${peaks.join(' -> ')}`,
  );
}
model.dispose();
