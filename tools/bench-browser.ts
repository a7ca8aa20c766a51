// `pnpm bench:browser [--backends webgl,webgpu,wasm,cpu] [--size 224] [--batch 4] [--reps 1] [--steps 50] [--methods a,b]`
// Times each method on the ResNet-18-sized tfjs model (random weights) in Debian's headless
// Chromium, once per tfjs backend, against the raw passes it needs measured in the same page:
// ratio = method time / raw pass time. Backends the browser does not offer are listed as such.
// Without a GPU, WebGL and WebGPU run on SwiftShader (slowly); use --size 64 for a quick look.
import { runBrowserBench } from '@salience/browser-tests/bench-runner';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const backends = (args.backends ?? 'webgl,webgpu,wasm,cpu').split(',');
const size = Number(args.size ?? 224);
const batch = Number(args.batch ?? 4);
const reps = Number(args.reps ?? 1);
const steps = Number(args.steps ?? 50);

console.log(`Chromium, ResNet-18 ${size}x${size}, batch ${batch} rows per model call, median of ${reps} (after a warm-up run)`);
const results = await runBrowserBench({
  backends,
  size,
  batch,
  reps,
  steps,
  ...(args.methods ? { methods: args.methods.split(',') } : {}),
  timeout: Number(args.timeout ?? 1800) * 1000,
  onLine: (line) => console.log(line),
});

console.log('\nbackend  method                 workload       method ms    raw ms   ratio');
for (const r of results) {
  if (!r.offered) {
    console.log(`${r.backend.padEnd(8)} not offered by this browser: ${r.detail}`);
    continue;
  }
  if (r.error) {
    console.log(`${r.backend.padEnd(8)} failed: ${r.error}`);
    process.exitCode = 1;
    continue;
  }
  for (const row of r.rows) {
    console.log(
      `${r.backend.padEnd(8)} ${row.method.padEnd(22)} ${row.workload.padEnd(14)} ${row.ms.toFixed(0).padStart(9)} ${row.rawMs.toFixed(0).padStart(9)} ${(row.ms / row.rawMs).toFixed(2).padStart(7)}`,
    );
  }
}
