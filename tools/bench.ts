// `pnpm bench [--backend wasm|cpu|tensorflow|webgpu] [--batch 8] [--size 224] [--reps 3] [--methods a,b]`
// Times each method on a ResNet-18-sized tfjs model (random weights) against the raw passes it
// needs, on the same backend in the same run: ratio = method time / raw passes time. Each
// repetition runs the raw passes and then the method, so a change of machine load touches both.
// Peak tensor memory is shown for two workload sizes per method: it must not grow with them.
import { createRng, type Method, type TensorData } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import { fromTfjs, withoutFilterGradients } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildResNet18 } from './resnet18.ts';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const backend = args.backend ?? 'wasm';
const batch = Number(args.batch ?? 8);
const size = Number(args.size ?? 224);
const reps = Number(args.reps ?? 3);
const only = args.methods ? new Set(args.methods.split(',')) : null;
const classes = 1000;

if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu' as string);
if (backend === 'tensorflow') await import('@tensorflow/tfjs-node' as string);
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

// The raw passes, straight on tfjs. The adapter skips the filter gradients that tfjs's fused
// convolution computes and nobody reads; the raw backward pass is given the same advantage.
type PassKind = 'forward' | 'backward' | 'layer';
const camLayer = 'layer4_1_out';
// Grad-CAM's raw pass: the trunk up to the last block's output, then the head's backward to it.
const trunk = tf.model({ inputs: layersModel.inputs, outputs: layersModel.getLayer(camLayer).output as tf.SymbolicTensor });
const head = (a: tf.Tensor) => layersModel.getLayer('fc').apply(layersModel.getLayer('avgpool').apply(a)) as tf.Tensor;

// Inputs of the raw passes are drawn once, outside the timing, as the methods' inputs are.
const rawInputs = new Map<number, TensorData>();
async function rawPass(kind: PassKind, rows: number): Promise<void> {
  if (!rawInputs.has(rows)) rawInputs.set(rows, makeInput(rows));
  // Like the adapter, the raw pass makes its input tensor from plain data.
  const x = tf.tensor4d(rawInputs.get(rows)!.data, [rows, size, size, 3]);
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(targetsFor(rows), 'int32'), classes).toFloat());
  const objective = (logits: tf.Tensor) => tf.sum(tf.mul(logits, oneHot));
  let outputs: tf.Tensor[];
  if (kind === 'forward') outputs = [tf.tidy(() => layersModel.apply(x) as tf.Tensor)];
  else if (kind === 'backward') {
    outputs = [withoutFilterGradients(tf, () => tf.tidy(() => tf.grad((v: tf.Tensor) => objective(layersModel.apply(v) as tf.Tensor))(x)))];
  } else {
    outputs = tf.tidy(() => {
      const activations = trunk.apply(x) as tf.Tensor;
      return [activations, tf.grad((v: tf.Tensor) => objective(head(v)))(activations)];
    });
  }
  await Promise.all(outputs.map((t) => t.data()));
  tf.dispose([x, oneHot, ...outputs]);
}

/** Runs the raw passes for `rows` rows of each kind, in batches of at most `batch` rows. */
async function rawPasses(rows: Partial<Record<PassKind, number>>): Promise<void> {
  for (const [kind, count] of Object.entries(rows) as [PassKind, number][]) {
    for (let done = 0; done < count; done += batch) await rawPass(kind, Math.min(batch, count - done));
  }
}

interface Case {
  name: string;
  method: Method<object>;
  /** Examples explained: a full batch for one-pass methods, one image for methods that fill batches themselves. */
  images: 'batch' | 'one';
  /** Options for the timed run and for the two memory runs (small, large workload). */
  options: [object, object, object];
  /** Rows of each raw pass the method needs with these options. */
  rows: (options: object) => Partial<Record<PassKind, number>>;
  workload: (options: object) => string;
}

const windows = (o: object) => Math.ceil(size / (o as { window: number }).window) ** 2;
const cases: Case[] = [
  {
    name: 'gradient',
    method: gradient,
    images: 'batch',
    options: [{}, {}, {}],
    rows: () => ({ backward: batch }),
    workload: () => `${batch} images`,
  },
  {
    name: 'smoothgrad',
    method: smoothGrad(gradient),
    images: 'one',
    options: [{ samples: 16 }, { samples: 8 }, { samples: 32 }],
    rows: (o) => ({ backward: (o as { samples: number }).samples }),
    workload: (o) => `${(o as { samples: number }).samples} samples`,
  },
  {
    name: 'integrated-gradients',
    method: integratedGradients,
    images: 'one',
    options: [{ steps: 16 }, { steps: 8 }, { steps: 32 }],
    // The path, plus the logits of the input and of the baseline for the convergence delta.
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
    options: [
      { window: size / 4, stride: size / 4 },
      { window: size / 4, stride: size / 4 },
      { window: size / 8, stride: size / 8 },
    ],
    // Every occluded copy, plus the unoccluded input.
    rows: (o) => ({ forward: windows(o) + 1 }),
    workload: (o) => `${windows(o)} windows`,
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

console.log(`backend ${backend}, ResNet-18 ${size}x${size}, at most ${batch} rows per model call, median of ${reps}\n`);
console.log('method                 workload       method ms   raw ms   ratio   peak MB (small -> large workload)');
for (const c of cases) {
  if (only && !only.has(c.name)) continue;
  const [options, small, large] = c.options;
  const input = inputs[c.images];
  const run = (o: object) => c.method.attribute(model, input, { ...o, target: targetsFor(input.shape[0]!), batchSize: batch });
  const raw = () => rawPasses(c.rows(options));
  await raw(); // warm-up: kernels compiled, weights uploaded
  await run(options);
  const rawMs: number[] = [];
  const methodMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    rawMs.push(await timed(raw));
    methodMs.push(await timed(() => run(options)));
  }
  const peaks: string[] = [];
  for (const o of [small, large]) {
    const profile = await tf.profile(() => run(o) as never);
    peaks.push(`${(profile.peakBytes / 2 ** 20).toFixed(0)} (${c.workload(o)})`);
  }
  const [m, r] = [median(methodMs), median(rawMs)];
  console.log(
    `${c.name.padEnd(22)} ${c.workload(options).padEnd(14)} ${m!.toFixed(0).padStart(9)} ${r!.toFixed(0).padStart(8)} ${(m! / r!).toFixed(3).padStart(7)}   ${peaks.join(' -> ')}`,
  );
}
model.dispose();
