/**
 * What one audit worker computes per second: images per second for the built-in Fashion-MNIST
 * model (tfjs, wasm) and for a ResNet-18 (ONNX, onnxruntime-node CPU), each with the audit's
 * default methods (gradient and integrated gradients, 50 steps), measured on the code a worker
 * runs (`salience audit`'s chunk computation through its distribute hook), plus the one-off set-up
 * of a worker (model loading, data listing). The README's cost model for many machines uses them.
 *
 *   python tools/export-resnet18.py /tmp/resnet18.onnx     # once (torch); random weights
 *   node --conditions=@salience/source --import tsx tools/bench-audit.ts [--resnet18 /tmp/resnet18.onnx]
 *        [--images 192] [--resnet-images 12] [--chunk-size 64] [--resnet-chunk-size 4]
 *
 * The images are synthetic (the built-in samples repeated; uniform noise at 224x224 for ResNet-18):
 * the cost of a saliency method does not depend on what the pixels show. The first chunk warms the
 * runtime up and is reported apart; the rate is over the chunks after it. Run it on a quiet
 * machine: the numbers are per process (one worker), and a busy CPU lowers them. CPU-s/image (the
 * process's CPU time, all threads, per image) is what contention does not inflate: a dedicated
 * worker with enough cores for its runtime's threads does about 1 / (CPU-s/image) images per second
 * per busy core.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditRequest, audit } from '@salience/cli';
import { encodePng } from '@salience/render';

const BUILTIN_DIR = new URL('../packages/cli/builtin/', import.meta.url).pathname;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return (i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback)!;
}

class Measured extends Error {}

interface Rate {
  readonly setupMs: number;
  readonly warmupMs: number;
  readonly warmupImages: number;
  readonly images: number;
  readonly ms: number;
  /** CPU time of the process (all its threads) over the same chunks: what a busy machine does not inflate. */
  readonly cpuMs: number;
}

/** Runs `salience audit` up to its chunks, then times the chunks as a worker computes them. */
async function measure(request: AuditRequest): Promise<Rate> {
  const started = performance.now();
  let rate: Rate | undefined;
  try {
    await audit(request, {
      distribute: async (work) => {
        const setupMs = performance.now() - started;
        const chunks = work.datasets[0]!.chunks;
        const count = (c: number) => Math.min(work.datasets[0]!.count, (c + 1) * work.chunkSize) - c * work.chunkSize;
        let t = performance.now();
        await work.compute(0, 0);
        const warmupMs = performance.now() - t;
        t = performance.now();
        const cpu = process.cpuUsage();
        let images = 0;
        for (let c = 1; c < chunks; c++) {
          await work.compute(0, c);
          images += count(c);
        }
        const used = process.cpuUsage(cpu);
        rate = { setupMs, warmupMs, warmupImages: count(0), images, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
        throw new Measured();
      },
    });
  } catch (error) {
    if (!(error instanceof Measured)) throw error;
  }
  if (!rate) throw new Error('the audit ended before its chunks');
  return rate;
}

function line(name: string, r: Rate): string {
  const perSecond = (r.images / r.ms) * 1000;
  const cpuPerImage = r.cpuMs / r.images / 1000;
  return `${name.padEnd(34)} ${perSecond.toFixed(perSecond < 10 ? 3 : 1).padStart(8)} images/s, ${cpuPerImage.toFixed(3)} CPU-s/image  (${r.images} images in ${(r.ms / 1000).toFixed(1)} s; first chunk of ${r.warmupImages} in ${(r.warmupMs / 1000).toFixed(1)} s; set-up ${(r.setupMs / 1000).toFixed(1)} s)`;
}

const tmp = mkdtempSync(join(tmpdir(), 'salience-bench-audit-'));
try {
  console.log(`bench-audit: one worker process; ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0]!.toFixed(1)}; Node ${process.version}`);

  // The built-in model: its twelve samples repeated.
  const images = Number(flag('--images', '192'));
  const samples = JSON.parse(readFileSync(`${BUILTIN_DIR}samples.json`, 'utf8')) as { file: string }[];
  const fashion = join(tmp, 'fashion');
  rmSync(fashion, { recursive: true, force: true });
  mkdirSync(fashion);
  for (let i = 0; i < images; i++) copyFileSync(`${BUILTIN_DIR}${samples[i % samples.length]!.file}`, join(fashion, `${String(i).padStart(5, '0')}.png`));
  const chunkSize = Number(flag('--chunk-size', '64'));
  const builtin = await measure({ data: [fashion], out: join(tmp, 'out-builtin'), chunkSize });
  console.log(line('built-in CNN 28x28, tfjs wasm', builtin));

  // ResNet-18: noise images at 224x224, ImageNet normalisation.
  const resnet = flag('--resnet18', '/tmp/resnet18.onnx');
  if (!existsSync(resnet)) {
    console.log(`ResNet-18: no ${resnet}; make it with: python tools/export-resnet18.py ${resnet}`);
  } else {
    const count = Number(flag('--resnet-images', '12'));
    const noise = join(tmp, 'noise');
    mkdirSync(noise);
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < count; i++) {
      const data = new Uint8ClampedArray(224 * 224 * 4);
      for (let p = 0; p < data.length; p++) data[p] = p % 4 === 3 ? 255 : Math.floor(random() * 256);
      writeFileSync(join(noise, `${String(i).padStart(5, '0')}.png`), encodePng({ width: 224, height: 224, data }));
    }
    const r = await measure({
      model: resnet,
      data: [noise],
      out: join(tmp, 'out-resnet'),
      chunkSize: Number(flag('--resnet-chunk-size', '4')),
      preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    console.log(line('ResNet-18 224x224, onnxruntime CPU', r));
  }
  console.log('methods: gradient + integrated gradients (50 steps, Gauss-Legendre), the audit defaults');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
