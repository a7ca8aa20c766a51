// Per-token integrated gradients (50 Gauss-Legendre steps) for one 32-token text on a
// DistilBERT-base-size classifier (66M parameters): salience on onnxruntime-node against Captum's
// LayerIntegratedGradients on torch CPU, in the same run, with the one-off costs apart.
//
//   /tmp/venv/bin/python tools/export-text-folder.py /tmp/distilbert-base --large   # once: the model (not committed)
//   node --conditions=@salience/source --import tsx tools/bench-text.ts [/tmp/distilbert-base] [--threads 2] [--runs 3]
//
// Captum runs in a Python subprocess (`tools/export-text-folder.py --time-captum`), which rebuilds
// the same torch model from the folder's model.pt. Both sides use the same number of threads.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadTextClassifier } from '@salience/text';
import { tokenIntegratedGradients } from '@salience/token-saliency';

// onnxruntime-node is a dependency of the packages, not of the repository root.
const ort = createRequire(new URL('../packages/text/package.json', import.meta.url))('onnxruntime-node') as typeof import('onnxruntime-node');

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const folder = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1]!.startsWith('--'))) ?? '/tmp/distilbert-base';
const threads = Number(flag('--threads', '2'));
const runs = Number(flag('--runs', '3'));
const python = flag('--python', '/tmp/venv/bin/python')!;
const T = 32;
const STEPS = 50;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const t0 = performance.now();
const classifier = await loadTextClassifier(ort as never, folder, { onnx: { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } } });
const loadMs = performance.now() - t0;

// A text of exactly 32 tokens, [CLS] and [SEP] included.
const words =
  'the film was not good honestly but the acting felt charming and the soundtrack was brilliant while the plot seemed slow and the ending turned out quite predictable overall i think'.split(
    ' ',
  );
let text = '';
for (const w of words) {
  const next = text ? `${text} ${w}` : w;
  if (classifier.tokenizer.encode(next).ids.length > T) break;
  text = next;
}
const batch = classifier.encode(text);
if (batch.ids.shape[1] !== T) throw new Error(`the bench text has ${batch.ids.shape[1]} tokens, not ${T}`);
writeFileSync(join(folder, 'bench-ids.json'), JSON.stringify(batch.texts[0]!.ids));

const ig = () => tokenIntegratedGradients.attribute(classifier.model, batch.ids, { target: [1], padTokenId: classifier.padId ?? 0, steps: STEPS });
let t = performance.now();
await ig();
const firstMs = performance.now() - t;
const warm: number[] = [];
for (let r = 0; r < runs; r++) {
  t = performance.now();
  await ig();
  warm.push(performance.now() - t);
}
classifier.dispose();

const captum = spawnSync(python, ['tools/export-text-folder.py', '--time-captum', folder, '--threads', String(threads)], { encoding: 'utf8' });
if (captum.status !== 0) throw new Error(`Captum timing failed:\n${captum.stderr}`);
const c = JSON.parse(captum.stdout.trim().split('\n').pop() as string) as { load: number; first: number; warm: number; torch: string };

const ours = median(warm)!;
console.log(`Per-token IG, ${STEPS} Gauss-Legendre steps, one ${T}-token text, DistilBERT-base size (${folder}), ${threads} threads each`);
console.log('');
console.log('|  | salience (onnxruntime-node) | Captum (torch CPU) |');
console.log('| --- | ---: | ---: |');
console.log(`| IG-50, warm (median of ${runs}) | ${seconds(ours)} | ${seconds(c.warm * 1000)} |`);
console.log(`| first call (graph build + session for salience) | ${seconds(firstMs)} | ${seconds(c.first * 1000)} |`);
console.log(`| model load (fromOnnx + tokenizer / torch model + weights) | ${seconds(loadMs)} | ${seconds(c.load * 1000)} |`);
console.log('');
console.log(`warm ratio salience / Captum: ${(ours / (c.warm * 1000)).toFixed(2)}  (onnxruntime-node ${ort.env.versions.common}, torch ${c.torch})`);
