/**
 * Issue 14's "build time and IG-50 against Captum" for every model of the ONNX zoo
 * (packages/onnx/test/zoo/), plus the build-time benchmark of item 5, in one run:
 *
 *   node --conditions=@salience/source --import tsx tools/bench-zoo.ts [--runs 3] \
 *     [--build PATH.onnx ...] [--captum] [--json OUT.json]
 *
 * Per zoo model, on onnxruntime-node with one intra-op thread: `fromOnnx` (decode, op check,
 * forward session); the first 50-step integrated-gradients call (building the extended graph and
 * its session, then the call); the median of --runs warm calls, wall and CPU time (the process's,
 * comparable with Captum's `time.process_time`; on a loaded machine the wall time is not). Images: `integratedGradients`,
 * Gauss-Legendre, zero baseline, the fixture's 2 examples and targets. Text: `tokenIntegratedGradients`
 * (the embeddings, from the pad id) with the fixture's attention_mask / token_type_ids. Both with the
 * whole batch (100 path rows) in one model call, as Captum's `internal_batch_size=None`. Next to it
 * the fixture's `captumIg50Seconds` (Captum's median CPU time of 3 warm runs, float32, one torch
 * thread, same batch; written by tools/export-zoo.py) and the ratio of CPU times, ours / Captum.
 *
 * --captum re-times Captum in this run with tools/bench-zoo-captum.py (needs /tmp/venv/bin/python
 * and Captum's source in /tmp/captum-src, see that script's header). --build runs
 * tools/bench-onnx-build.ts on each given model (item 5: ResNet-50, a 66M-parameter DistilBERT) as
 * child processes of this run, after the zoo, and prints their step times.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { integratedGradients } from '@salience/integrated-gradients';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { tokenIntegratedGradients } from '@salience/token-saliency';
import * as ort from 'onnxruntime-node';
import { loadZooModel, ZOO_IMAGE_MODELS, ZOO_TEXT_MODELS, type ZooModel } from '../packages/onnx/test/zoo.ts';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
function options(name: string): string[] {
  return process.argv.flatMap((a, i) => (a === `--${name}` && process.argv[i + 1]! ? [process.argv[i + 1]!] : []));
}
const runs = Number(option('runs') ?? 3);
const STEPS = 50;
const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const;
const repository = fileURLToPath(new URL('../', import.meta.url));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function timed<T>(work: () => Promise<T>): Promise<[T, number, number]> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const out = await work();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // CPU time of the whole process (JS and ORT's threads), as Python's time.process_time.
  return [out, wall, (used.user + used.system) / 1000];
}

interface Row {
  readonly name: string;
  readonly kind: string;
  readonly parameters: number;
  readonly input: string;
  readonly fromOnnxMs: number;
  readonly firstIgMs: number;
  readonly warmIgMs: number;
  readonly warmIgCpuMs: number;
  readonly captumStoredMs: number;
  captumNowMs?: number;
}

async function benchModel(zoo: ZooModel): Promise<Row> {
  const [model, fromOnnxMs] = await timed(() => fromOnnx(ort as unknown as OrtModule, zoo.modelPath, { sessionOptions: SESSION_OPTIONS }));
  const rows = zoo.input.shape[0]! * STEPS;
  const ig =
    zoo.kind === 'image'
      ? () => integratedGradients.attribute(model, zoo.input, { quadrature: 'gauss-legendre', steps: STEPS, target: zoo.target, batchSize: rows })
      : () =>
          tokenIntegratedGradients.attribute(model, zoo.input, {
            quadrature: 'gauss-legendre',
            steps: STEPS,
            target: zoo.target,
            padTokenId: zoo.meta.padTokenId as number,
            context: zoo.context,
            batchSize: rows,
          });
  const [, firstIgMs] = await timed(ig);
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [, wall, cpu] = await timed(ig);
    warm.push(wall);
    warmCpu.push(cpu);
  }
  await model.dispose();
  return {
    name: zoo.name,
    kind: zoo.kind,
    parameters: zoo.meta.parameters as number,
    input: zoo.input.shape.join('x'),
    fromOnnxMs,
    firstIgMs,
    warmIgMs: median(warm)!,
    warmIgCpuMs: median(warmCpu)!,
    captumStoredMs: (zoo.meta.captumIg50Seconds as number) * 1000,
  };
}

const table: Row[] = [];
for (const name of [...ZOO_IMAGE_MODELS, ...ZOO_TEXT_MODELS]) {
  const row = await benchModel(await loadZooModel(name));
  table.push(row);
  console.error(
    `${name}: fromOnnx ${row.fromOnnxMs.toFixed(0)} ms, first IG-50 ${row.firstIgMs.toFixed(0)} ms, warm IG-50 ${row.warmIgMs.toFixed(1)} ms (CPU ${row.warmIgCpuMs.toFixed(1)} ms)`,
  );
}

if (process.argv.includes('--captum')) {
  // Captum's CPU time on one thread, same models rebuilt from their configs, same batch.
  const out = execFileSync('/tmp/venv/bin/python', ['tools/bench-zoo-captum.py', '--runs', String(runs)], {
    cwd: repository,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seconds = JSON.parse(out) as Record<string, number>;
  for (const row of table) if (seconds[row.name] !== undefined) row.captumNowMs = seconds[row.name]! * 1000;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const captumMs = (row: Row) => row.captumNowMs ?? row.captumStoredMs;
console.log(
  '| model | kind | parameters | input | fromOnnx ms | first IG-50 ms (build + session + call) | warm IG-50 wall ms | warm IG-50 CPU ms | Captum IG-50 CPU ms | ours / Captum (CPU) |',
);
console.log('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of table) {
  const captum = row.captumNowMs === undefined ? `${fmt(row.captumStoredMs)} (stored)` : `${fmt(row.captumNowMs)} (stored ${fmt(row.captumStoredMs)})`;
  console.log(
    `| ${row.name} | ${row.kind} | ${row.parameters} | ${row.input} | ${fmt(row.fromOnnxMs)} | ${fmt(row.firstIgMs)} | ${fmt(row.warmIgMs)} | ${fmt(row.warmIgCpuMs)} | ${captum} | ${(row.warmIgCpuMs / captumMs(row)).toFixed(2)} |`,
  );
}

const builds: Record<string, string> = {};
for (const path of options('build')) {
  // A child process per model: each starts with a fresh heap, as a user's first call does.
  builds[path] = execFileSync(process.execPath, ['--conditions=@salience/source', '--import', 'tsx', 'tools/bench-onnx-build.ts', path, '--threads', '1'], {
    cwd: repository,
    encoding: 'utf8',
  });
  console.log(builds[path]);
}

const json = option('json');
if (json) writeFileSync(json, `${JSON.stringify({ runs, table, builds }, null, 1)}\n`);
