// The GPU check: tfjs's webgpu backend in Node through Dawn (the `webgpu` package), then
//  1. Captum parity of every method on the fixture models (smallcnn, colorcnn, tabular), with a
//     leak check per call and over the whole run;
//  2. timings on a ResNet-18-sized model: raw forward+backward at --batch, integrated gradients of
//     one image with --steps steps.
// Ends with one JSON line of every figure (also written to --json <file>); exits non-zero when a
// parity case fails, tensors leak, or the adapter is not the one --expect-adapter names.
//
// Dawn reads its Vulkan settings (VK_DRIVER_FILES / VK_ICD_FILENAMES, LD_LIBRARY_PATH for
// libvulkan.so.1) when the process starts: tools/device-check/run.sh sets them. From the sources:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
//   node --conditions=@salience/source --import tsx tools/device-check/gpu-check.ts --size 32 --batch 2 --steps 4
//
// Flags: --size 224 --batch 16 --steps 50 --reps 3 --tolerance 1e-3 --backend webgpu
//        --json <file> --expect-adapter <text> --skip-parity --skip-bench
//        --only <a,b> (parity cases whose '<model>: <array>' name contains a or b)
import { writeFileSync } from 'node:fs';
import { installDawnNavigator } from '@salience/browser-tests/dawn';
import * as tf from '@tensorflow/tfjs';
import { captumParity, type ParityReport } from './captum-parity.ts';
import { checkSummary } from './check-summary.ts';
import { type BenchReport, benchResNet18 } from './resnet-bench.ts';

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const flagValue = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length && !argv[i + 1]!.startsWith('--') ? argv[i + 1] : undefined;
};
const numberOf = (name: string, fallback: number): number => {
  const raw = flagValue(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number; got ${raw}.`);
  return value;
};

const settings = {
  size: numberOf('size', 224),
  batch: numberOf('batch', 16),
  steps: numberOf('steps', 50),
  reps: numberOf('reps', 3),
};
const tolerance = numberOf('tolerance', 1e-3);
const backend = flagValue('backend') ?? 'webgpu';
const jsonFile = flagValue('json');
const expectAdapter = flagValue('expect-adapter');
const log = (line: string) => console.log(line);

const problems: string[] = [];
const pending = [...(flags.has('--skip-parity') ? [] : ['parity']), ...(flags.has('--skip-bench') ? [] : ['bench'])];
const started = performance.now();
let adapter = 'not found';
let parity: ParityReport | undefined;
let bench: BenchReport | undefined;

/** Written after each stage, so a run cut short by a time limit still leaves what it measured. */
function summaryLine(): string {
  const state = { problems, pending, adapter, backend: tf.getBackend() ?? backend, tfjs: tf.version.tfjs, parity, bench, seconds: (performance.now() - started) / 1000 };
  // Four significant digits are plenty for errors and timings, and keep the line short.
  const line = JSON.stringify(checkSummary(state), (_key, value) =>
    typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value,
  );
  if (jsonFile) writeFileSync(jsonFile, `${line}\n`);
  return line;
}

try {
  adapter = backend === 'webgpu' ? await installDawnNavigator() : 'none (not webgpu)';
  log(`Dawn adapter: ${adapter}`);
  log(`Vulkan: VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? 'unset'} VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}`);
  if (expectAdapter && !adapter.toLowerCase().includes(expectAdapter.toLowerCase())) {
    // Timings and parity on another adapter (a CPU fallback) would only waste the GPU machine's time.
    throw new Error(`the adapter '${adapter}' is not the expected '${expectAdapter}'`);
  }
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend.`);
  await tf.ready();
  log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, Node ${process.version}`);
  summaryLine();

  if (pending.includes('parity')) {
    log(`\nCaptum parity, tolerance ${tolerance} of each map's max |Captum's|`);
    const only = flagValue('only')?.split(',');
    parity = await captumParity(tf, tolerance, log, only);
    pending.splice(pending.indexOf('parity'), 1);
    if (parity.cases.length === 0) problems.push(`--only ${only} chose no parity case`);
    if (parity.failed > 0) problems.push(`${parity.failed} of ${parity.cases.length} parity cases failed`);
    if (parity.tensorsAfter !== parity.tensorsBefore) problems.push(`parity run: ${parity.tensorsAfter - parity.tensorsBefore} tensors left behind`);
    const known = parity.cases.filter((c) => c.ok && c.known).length;
    log(
      `parity: ${parity.cases.length - parity.failed}/${parity.cases.length} ok (${known} of them known divergences within their bound); ` +
        `tensors ${parity.tensorsBefore} before, ${parity.tensorsAfter} after`,
    );
    summaryLine();
  }

  if (pending.includes('bench')) {
    log('');
    bench = await benchResNet18(tf, settings, log);
    pending.splice(pending.indexOf('bench'), 1);
    if (bench.tensorsAfter !== bench.tensorsBefore) problems.push(`benchmark: ${bench.tensorsAfter - bench.tensorsBefore} tensors left behind`);
  }
} catch (error) {
  problems.push(`stopped by an error: ${(error as Error)?.message ?? error}`);
  console.error(error);
}

const passed = problems.length === 0 && pending.length === 0;
log(`\n${passed ? 'GPU CHECK PASSED' : `GPU CHECK FAILED: ${problems.join('; ')}`}`);
log(summaryLine());
// Dawn's device keeps Node's event loop alive: leave explicitly.
process.exit(passed ? 0 : 1);
