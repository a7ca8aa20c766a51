/**
 * AblationCAM through @salience/onnx on onnxruntime-node: ResNet-18 (random weights, 224x224), one
 * image, each of the 512 channels of the last block's output ablated in turn. The adapter runs the
 * ablated rows on the graph cut at the layer (only the pool and the fc after it), so the method is
 * compared with the raw passes pytorch-grad-cam's AblationCAM needs (one full forward row per
 * channel, plus one), run as plain `session.run` calls of the unchanged model in batches of the
 * same size, in the same process: ratio = method time / raw forward time. 'in run' is the part of
 * the method's time spent inside model.run.
 *
 *   python tools/export-resnet18.py        # once: writes tools/models/resnet18.onnx (git-ignored)
 *   node --conditions=@salience/source --import tsx tools/bench-ablation-cam.ts [--model path] [--threads 2] [--batch 32] [--reps 3]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createRng, type Model, type ModelRequest } from '@salience/core';
import { ablationCam } from '@salience/grad-cam';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import * as ort from 'onnxruntime-node';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const path = args.model ?? new URL('./models/resnet18.onnx', import.meta.url).pathname;
const threads = Number(args.threads ?? 2);
const batch = Number(args.batch ?? 32);
const reps = Number(args.reps ?? 3);
const layer = args.layer ?? 'blocks.7';
const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1 };

const bytes = new Uint8Array(readFileSync(path));
const model = await fromOnnx(ort as unknown as OrtModule, bytes, { sessionOptions });
const session = await ort.InferenceSession.create(bytes, sessionOptions);
const image = { data: createRng(3).fillUniform(new Float32Array(3 * 224 * 224)), shape: [1, 3, 224, 224] };
const channels = model.layers().find((l) => l.name === layer || l.aliases?.includes(layer))!.outputShape[1] as number;

let inRun = 0;
const timedModel: Model = Object.assign(Object.create(model) as Model, {
  run: async (request: ModelRequest) => {
    const start = performance.now();
    try {
      return await model.run(request);
    } finally {
      inRun += performance.now() - start;
    }
  },
});

/** pytorch-grad-cam's passes: the image once, then one full forward row per channel, in batches. */
async function rawForward(): Promise<void> {
  const total = channels + 1;
  for (let done = 0; done < total; done += batch) {
    const rows = Math.min(batch, total - done);
    const data = new Float32Array(rows * image.data.length);
    for (let r = 0; r < rows; r++) data.set(image.data, r * image.data.length);
    const feeds = { input: new ort.Tensor('float32', data, [rows, 3, 224, 224]) };
    const out = await session.run(feeds);
    for (const t of Object.values(out)) t.dispose?.();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const options = { layer, target: 7, batchSize: batch };
await ablationCam.attribute(model, image, options);
const method: number[] = [];
const runs: number[] = [];
for (let r = 0; r < reps; r++) {
  inRun = 0;
  const start = performance.now();
  await ablationCam.attribute(timedModel, image, options);
  method.push(performance.now() - start);
  runs.push(inRun);
}
const rawStart = performance.now();
await rawForward();
const raw = performance.now() - rawStart;
const m = median(method)!;
console.log(`onnxruntime-node, ${threads} threads, ResNet-18 224x224, layer '${layer}' (${channels} channels), batches of ${batch}, median of ${reps}`);
console.log(`ablationcam ${m.toFixed(0)} ms (in run ${median(runs)!.toFixed(0)} ms); raw forward rows (${channels + 1}) ${raw.toFixed(0)} ms; ratio ${(m / raw).toFixed(3)}`);
model.dispose();
await session.release();
