// `node --conditions=@salience/source --import tsx tools/bench-modified-backprop.ts [--reps 10] [--models smallcnn,colorcnn,resnetlite]`
// Times @salience/modified-backprop's methods and LRP rule sets on its parity fixture models
// (onnxruntime-node, one thread), each against the raw gradient pass of the same rows in the same
// run: one backward pass of the batch (B rows), and of 2B rows for DeepLIFT (maps and baselines).
// Each time is the mean of --reps runs after a warm-up run (which builds and caches the modified
// gradient graph), so it is the steady-state cost of a call.
import { readFileSync } from 'node:fs';
import type { Method, TensorData } from '@salience/core';
import { deconvnet, deepLift, guidedBackprop, guidedGradCam, lrp } from '@salience/modified-backprop';
import { fromOnnx, type OnnxModel } from '@salience/onnx';
import { parseFixtureArrays } from '@salience/testing';
import * as ort from 'onnxruntime-node';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const reps = Number(args.reps ?? 10);
const models = (args.models ?? 'smallcnn,colorcnn,resnetlite').split(',');
const fixtures = new URL('../packages/modified-backprop/fixtures/', import.meta.url);

async function timed(run: () => Promise<unknown>): Promise<number> {
  await run();
  const start = performance.now();
  for (let i = 0; i < reps; i++) await run();
  return (performance.now() - start) / reps;
}

const ms = (t: number) => `${t.toFixed(1)} ms`;

for (const name of models) {
  const at = (file: string) => new URL(`${name}/${file}`, fixtures);
  const { arrays } = parseFixtureArrays(readFileSync(at('backprop.json'), 'utf8'), readFileSync(at('backprop.bin')));
  const input = arrays.input!;
  const target = Int32Array.from(arrays.target!.data);
  const layer = arrays.guided_gradcam!.extra.layer as string;
  const [c, h, w] = input.shape.slice(1) as [number, number, number];
  const box = { low: -3, high: 3 };
  const model: OnnxModel = await fromOnnx(ort, readFileSync(at('model.onnx')), { sessionOptions: { intraOpNumThreads: 1 } });
  const rows = input.shape[0]!;
  const doubled: TensorData = { data: new Float32Array(2 * input.data.length), shape: [2 * rows, c, h, w] };
  doubled.data.set(input.data);
  const raw = (x: TensorData) => model.run({ input: x, outputs: ['inputGradients'], target: Array.from({ length: x.shape[0]! }, (_, i) => target[i % rows]!) });
  const cases: [string, Method<object>, object][] = [
    ['Guided Backprop', guidedBackprop, {}],
    ['Deconvnet', deconvnet, {}],
    ['DeepLIFT', deepLift, {}],
    ['Guided Grad-CAM', guidedGradCam, { layer }],
    ['LRP epsilon (Captum)', lrp, {}],
    ['LRP EpsilonPlusFlat', lrp, { composite: 'epsilon-plus-flat' }],
    ['LRP EpsilonGammaBox', lrp, { composite: 'epsilon-gamma-box', ...box }],
    ['LRP EpsilonPlus', lrp, { composite: 'epsilon-plus' }],
    ['LRP EpsilonAlpha2Beta1', lrp, { composite: 'epsilon-alpha2-beta1' }],
    ['LRP w² first, alpha1-beta0 convolutions', lrp, { composite: { first: 'w-square', convolution: 'alpha1-beta0' } }],
  ];
  const line = [`${name}, B = ${rows}`];
  for (const [, method, options] of cases) line.push(ms(await timed(() => method.attribute(model, input, { target, ...options }))));
  line.push(ms(await timed(() => raw(input))), ms(await timed(() => raw(doubled))));
  if (name === models[0]) {
    console.log(`| model | ${cases.map(([label]) => label).join(' | ')} | raw gradient pass (B rows) | raw gradient pass (2B rows) |`);
    console.log(`| ${['---', ...cases.map(() => '---'), '---', '---'].join(' | ')} |`);
  }
  console.log(`| ${line.join(' | ')} |`);
  model.dispose();
}
