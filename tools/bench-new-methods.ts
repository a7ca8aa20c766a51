// `node --conditions=@salience/source --import tsx tools/bench-new-methods.ts [--backend wasm|cpu] [--batch 32] [--size 32] [--reps 3] [--methods a,b]`
// Times the CAM family (@salience/grad-cam) and the Shapley methods (@salience/shapley) on a
// ResNet-18-shaped tfjs model (random weights) against the raw passes each needs, on the same
// backend in the same run: ratio = method time / raw passes time (as tools/bench.ts does for the
// seed's methods). The default size is small because ScoreCAM needs one forward row per channel
// of the layer (512 at layer4). Peak tensor memory is shown for two workload sizes per method: it
// must not grow with the number of samples or masks.
import { createRng, type Method, type TensorData } from '@salience/core';
import { ablationCam, eigenCam, hiResCam, layerCam, scoreCam, xGradCam } from '@salience/grad-cam';
import { fromTfjs, withoutFilterGradients } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
// @salience/shapley is not a root dependency (yet); its sources are imported directly.
import { gridMask, kernelShap, lime, shapleySampling } from '@salience/shapley';
import { buildResNet18 } from './resnet18.ts';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const backend = args.backend ?? 'wasm';
const batch = Number(args.batch ?? 32);
const size = Number(args.size ?? 32);
const reps = Number(args.reps ?? 3);
const only = args.methods ? new Set(args.methods.split(',')) : null;
const classes = 1000;

await tf.setBackend(backend);
await tf.ready();
const layersModel = buildResNet18(tf, { size, classes });
const model = fromTfjs(tf, layersModel);
const rng = createRng(7);
const makeInput = (rows: number): TensorData => ({ data: rng.fillUniform(new Float32Array(rows * size * size * 3)), shape: [rows, size, size, 3] });
const inputs = { batch: makeInput(batch), one: makeInput(1) };
const targetsFor = (rows: number) => Array.from({ length: rows }, (_, i) => (i * 37) % classes);

type PassKind = 'forward' | 'layer' | 'head';
const camLayer = 'layer4_1_out';
const trunk = tf.model({ inputs: layersModel.inputs, outputs: layersModel.getLayer(camLayer).output as tf.SymbolicTensor });
const head = (a: tf.Tensor) => layersModel.getLayer('fc').apply(layersModel.getLayer('avgpool').apply(a)) as tf.Tensor;
const channels = (trunk.outputs[0]!.shape as number[])[3]!;

const rawInputs = new Map<number, TensorData>();
const layerShape = (trunk.outputs[0]!.shape as number[]).slice(1);
const rawActivations = new Map<number, TensorData>();
/**
 * One raw pass of `rows` rows: a forward pass to the logits, the trunk plus the head's backward to
 * the layer, or the head alone from activations at the layer (what runs after a cut).
 */
async function rawPass(kind: PassKind, rows: number): Promise<void> {
  if (kind === 'head') {
    if (!rawActivations.has(rows))
      rawActivations.set(rows, { data: rng.fillUniform(new Float32Array(rows * layerShape.reduce((a, b) => a * b, 1))), shape: [rows, ...layerShape] });
    const a = tf.tensor(rawActivations.get(rows)!.data, [rows, ...layerShape]);
    const logits = tf.tidy(() => head(a));
    await logits.data();
    tf.dispose([a, logits]);
    return;
  }
  if (!rawInputs.has(rows)) rawInputs.set(rows, makeInput(rows));
  const x = tf.tensor4d(rawInputs.get(rows)!.data, [rows, size, size, 3]);
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(targetsFor(rows), 'int32'), classes).toFloat());
  const objective = (logits: tf.Tensor) => tf.sum(tf.mul(logits, oneHot));
  let outputs: tf.Tensor[];
  if (kind === 'forward') outputs = [tf.tidy(() => layersModel.apply(x) as tf.Tensor)];
  else {
    outputs = withoutFilterGradients(tf, () =>
      tf.tidy(() => {
        const activations = trunk.apply(x) as tf.Tensor;
        return [activations, tf.grad((v: tf.Tensor) => objective(head(v)))(activations)];
      }),
    );
  }
  await Promise.all(outputs.map((t) => t.data()));
  tf.dispose([x, oneHot, ...outputs]);
}

async function rawPasses(rows: Partial<Record<PassKind, number>>): Promise<void> {
  for (const [kind, count] of Object.entries(rows) as [PassKind, number][]) {
    for (let done = 0; done < count; done += batch) await rawPass(kind, Math.min(batch, count - done));
  }
}

interface Case {
  name: string;
  method: Method<object>;
  images: 'batch' | 'one';
  /** Options for the timed run and for the two memory runs (small, large workload). */
  options: [object, object, object];
  rows: (options: object) => Partial<Record<PassKind, number>>;
  workload: (options: object) => string;
}

const cam = { layer: camLayer };
const featureMask = gridMask(size, size, size / 4); // 16 cells
const samplesOf = (o: object) => (o as { samples: number }).samples;
const ordersOf = (o: object) => (o as { permutations: number }).permutations;
const cases: Case[] = [
  ...(
    [
      ['hirescam', hiResCam],
      ['xgradcam', xGradCam],
      ['layercam', layerCam],
    ] as const
  ).map(
    ([name, method]): Case => ({
      name,
      method: method as Method<object>,
      images: 'batch',
      options: [cam, cam, cam],
      rows: () => ({ layer: batch }),
      workload: () => `${batch} images`,
    }),
  ),
  {
    // One forward row per channel, and the activation pass (which also gives the logits).
    name: 'scorecam',
    method: scoreCam as Method<object>,
    images: 'one',
    options: [cam, cam, cam],
    rows: () => ({ forward: channels + 1 }),
    workload: () => `${channels} channels`,
  },
  {
    // The activation pass (which also gives the logits), then one row per ablated channel through
    // the layers after the cut only (every path of ResNet-18 goes through the last block's output).
    name: 'ablationcam',
    method: ablationCam as Method<object>,
    images: 'one',
    options: [cam, cam, cam],
    rows: () => ({ forward: 1, head: channels }),
    workload: () => `${channels} channels`,
  },
  {
    name: 'eigencam',
    method: eigenCam as Method<object>,
    images: 'batch',
    options: [cam, cam, cam],
    rows: () => ({ forward: batch }),
    workload: () => `${batch} images`,
  },
  {
    name: 'kernel-shap',
    method: kernelShap as Method<object>,
    images: 'one',
    options: [
      { featureMask, samples: 64 },
      { featureMask, samples: 32 },
      { featureMask, samples: 128 },
    ],
    rows: (o) => ({ forward: samplesOf(o) }),
    workload: (o) => `${samplesOf(o)} samples`,
  },
  {
    name: 'lime',
    method: lime as Method<object>,
    images: 'one',
    options: [
      { featureMask, samples: 64 },
      { featureMask, samples: 32 },
      { featureMask, samples: 128 },
    ],
    rows: (o) => ({ forward: samplesOf(o) }),
    workload: (o) => `${samplesOf(o)} samples`,
  },
  {
    // The baseline's row, then one row per (order, feature).
    name: 'shapley-sampling',
    method: shapleySampling as Method<object>,
    images: 'one',
    options: [
      { featureMask, permutations: 4 },
      { featureMask, permutations: 2 },
      { featureMask, permutations: 8 },
    ],
    rows: (o) => ({ forward: 1 + ordersOf(o) * 16 }),
    workload: (o) => `${ordersOf(o)} orders`,
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
  await raw();
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
