/**
 * Adebayo et al. (2018)'s model parameter randomisation, cascading from the logits down, for the
 * gradient, Grad-CAM, Guided Backprop and Guided Grad-CAM on the CLI's built-in Fashion-MNIST model
 * (trained, ONNX) and its 12 sample images. Prints the Markdown table of the sanity-checks README:
 * the mean Spearman rank correlation (of absolute values) between each method's maps on the trained
 * model and on the model with the top k layers re-initialised.
 *
 *   node --conditions=@salience/source --import tsx tools/adebayo-table.ts
 */
import { readFileSync } from 'node:fs';
import { BUILTIN_DIR, BUILTIN_ONNX_MODEL } from '@salience/cli';
import type { Method, TensorData } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { guidedBackprop, guidedGradCam } from '@salience/modified-backprop';
import { fromOnnx } from '@salience/onnx';
import { decodePng } from '@salience/render';
import { runSanityChecks } from '@salience/sanity-checks';
import * as ort from 'onnxruntime-node';

const samples = JSON.parse(readFileSync(`${BUILTIN_DIR}samples.json`, 'utf8')) as { file: string; label: number }[];
const pixels = 28 * 28;
const data = new Float32Array(samples.length * pixels);
samples.forEach((s, i) => {
  const image = decodePng(readFileSync(`${BUILTIN_DIR}${s.file}`));
  for (let p = 0; p < pixels; p++) data[i * pixels + p] = image.data[4 * p]! / 255;
});
const input: TensorData = { data, shape: [samples.length, 1, 28, 28] };
const labels = samples.map((s) => s.label);

const model = await fromOnnx(ort, readFileSync(BUILTIN_ONNX_MODEL), { sessionOptions: { intraOpNumThreads: 1 } });
const { logits } = await model.run({ input, outputs: ['logits'] });
const classes = logits.shape[1]!;
const correct = labels.filter((label, r) => {
  const row = Array.from(logits.data.subarray(r * classes, (r + 1) * classes));
  return row.indexOf(Math.max(...row)) === label;
}).length;

const methods: { method: Method; name: string; options?: object }[] = [
  { method: gradient, name: 'Gradient' },
  { method: gradCam, name: 'Grad-CAM' },
  { method: guidedBackprop, name: 'Guided Backprop' },
  { method: guidedGradCam, name: 'Guided Grad-CAM' },
];
const report = await runSanityChecks(model, methods, { input, labels }, { checks: ['parameter-randomization'], parameterRandomization: { modes: ['cascading'] } });
model.dispose();

const first = report.methods[0]!.parameterRandomization!;
const steps = first.cascading.map((s) => s.layer);
console.log(`Built-in model: ${correct} of ${samples.length} samples classified correctly; layers randomised from the top: ${steps.join(' -> ')}.\n`);
console.log(`| method | ${steps.map((l, k) => (k === 0 ? `${l} randomised` : `+ ${l}`)).join(' | ')} |`);
console.log(`| --- | ${steps.map(() => '---').join(' | ')} |`);
for (const entry of report.methods) {
  const run = entry.parameterRandomization!;
  console.log(`| ${entry.name} | ${run.cascading.map((s) => s.similarity.spearmanAbs.toFixed(2)).join(' | ')} |`);
}
console.log('\nAfter the top layer (fc2) alone, every measure:\n');
console.log('| method | Spearman (abs) | Spearman (signed) | SSIM | top-k intersection |');
console.log('| --- | --- | --- | --- | --- |');
for (const entry of report.methods) {
  const s = entry.parameterRandomization!.cascading[0]!.similarity;
  console.log(`| ${entry.name} | ${s.spearmanAbs.toFixed(2)} | ${s.spearmanSigned.toFixed(2)} | ${s.ssim.toFixed(2)} | ${s.topK.toFixed(2)} |`);
}
