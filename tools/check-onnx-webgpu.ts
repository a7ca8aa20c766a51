/**
 * Runs the extended graphs that @salience/onnx builds (objective on the logits + reverse-mode
 * gradient nodes) on onnxruntime-web's WebGPU provider in headless Chromium, and compares their
 * gradients with onnxruntime-node's CPU provider. Without a GPU, Chromium's WebGPU runs on
 * SwiftShader (Debian's chromium: `bash tools/ensure-chromium.sh`).
 *
 *   node --conditions=@salience/source --import tsx tools/check-onnx-webgpu.ts
 *
 * Both builds that offer 'webgpu' run, since their kernels differ: the default build
 * (`onnxruntime-web`, WebGPU through JSEP, what the browser tests use) and `onnxruntime-web/webgpu`
 * (the native WebGPU provider). For each build, Captum fixture image model and MaxPool tie rule it
 * prints the largest difference of the input and layer gradients from the CPU's, relative to the
 * largest gradient, and exits with 1 when one is above 1e-3 or a session fails.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { addGradients, appendTargetObjective, ModelGraph } from '@salience/onnx-autodiff';
import { loadCaptumFixture } from '@salience/testing';

const onnxRequire = createRequire(new URL('../packages/onnx/package.json', import.meta.url));
const ort = onnxRequire('onnxruntime-node') as typeof import('onnxruntime-node');
const ortWebDist = dirname(onnxRequire.resolve('onnxruntime-web'));
const browserRequire = createRequire(new URL('../packages/browser-tests/package.json', import.meta.url));
const { chromium } = browserRequire('playwright') as typeof import('playwright');
const { chromiumLaunchOptions } = await import('@salience/browser-tests/chromium');

interface Built {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly feeds: Record<string, { data: number[]; dims: number[] }>;
  readonly outputs: string[];
}

/** The extended graph the adapter builds for { inputGradients, layerActivations, layerGradients } with a 'logit' objective. */
function extendedGraph(model: Uint8Array, layer: string, ties: 'first' | 'split'): { bytes: Uint8Array; targetInput: string; outputs: string[] } {
  const graph = ModelGraph.decode(model);
  const { objective, targetInput } = appendTargetObjective(graph, { logits: 'logits', kind: 'logit', targetInput: 'salience_target_weights' });
  const built = addGradients(graph, { of: objective, wrt: ['input', layer], keepOutputs: [layer], maxPoolTies: ties });
  return { bytes: built.model, targetInput, outputs: [built.gradients.input!, built.gradients[layer]!, built.kept[layer]!] };
}

const cases: Built[] = [];
for (const name of ['smallcnn', 'colorcnn'] as const) {
  const fixture = await loadCaptumFixture(name);
  const layer = `/${fixture.gradcamLayer}/Conv_output_0`;
  const classes = fixture.logits.shape[1]!;
  const weights = new Array(fixture.target.length * classes).fill(0);
  fixture.target.forEach((t, r) => {
    weights[r * classes + t] = 1;
  });
  for (const ties of ['split', 'first'] as const) {
    const { bytes, targetInput, outputs } = extendedGraph(fixture.modelBytes, layer, ties);
    cases.push({
      name: `${name} (maxPoolTies '${ties}')`,
      bytes,
      feeds: {
        input: { data: Array.from(fixture.input.data), dims: [...fixture.input.shape] },
        [targetInput]: { data: weights, dims: [fixture.target.length, classes] },
      },
      outputs,
    });
  }
}

// A static server for the runtime's files and the extended models.
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  try {
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ort webgpu</title>');
    } else if (url.pathname.startsWith('/model/')) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(cases[Number(url.pathname.slice(7))]!.bytes);
    } else if (url.pathname.startsWith('/ort/')) {
      const file = join(ortWebDist, url.pathname.slice(5).replace(/\.\./g, ''));
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      response.writeHead(200, { 'content-type': type }).end(readFileSync(file));
    } else response.writeHead(404).end();
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch(chromiumLaunchOptions());
const page = await browser.newPage();
page.on('console', (message) => {
  if (message.type() === 'error' && !message.text().includes('Failed to load resource')) console.log(`  [page] ${message.text()}`);
});
await page.goto(origin);
const adapter = await page.evaluate(async () => {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor: string; architecture: string } } | null> } }).gpu;
  const found = await gpu?.requestAdapter();
  return found ? `${found.info?.vendor} ${found.info?.architecture}` : 'none';
});
console.log(`Chromium WebGPU adapter: ${adapter}`);

/** The bundles that offer 'webgpu', as their package entry points resolve them in a browser. */
const BUILDS = [
  { name: 'default build (JSEP)', bundle: 'ort.min.mjs' },
  { name: "'onnxruntime-web/webgpu' (native WebGPU provider)", bundle: 'ort.webgpu.min.mjs' },
] as const;

let failures = 0;
for (const build of BUILDS)
  for (const [index, c] of cases.entries()) {
    const session = await ort.InferenceSession.create(c.bytes, { intraOpNumThreads: 1 });
    const feeds = Object.fromEntries(Object.entries(c.feeds).map(([k, v]) => [k, new ort.Tensor('float32', Float32Array.from(v.data), v.dims)]));
    const cpu = await session.run(feeds, c.outputs);
    await session.release();
    const web = await page.evaluate(
      async ({ index, feeds, outputs, bundle }) => {
        const ortWeb = await import(/* @vite-ignore */ `${location.origin}/ort/${bundle}`);
        ortWeb.env.wasm.numThreads = 1;
        ortWeb.env.wasm.wasmPaths = `${location.origin}/ort/`;
        const bytes = new Uint8Array(await (await fetch(`/model/${index}`)).arrayBuffer());
        try {
          const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['webgpu'], logSeverityLevel: 3 });
          const tensors = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ortWeb.Tensor('float32', Float32Array.from(v.data), v.dims)]));
          const results = await session.run(tensors, outputs);
          const out: Record<string, number[]> = {};
          for (const name of outputs) out[name] = Array.from((await results[name].getData()) as Float32Array);
          await session.release();
          return { ok: true as const, out };
        } catch (error) {
          return { ok: false as const, error: String((error as Error)?.message ?? error) };
        }
      },
      { index, feeds: c.feeds, outputs: c.outputs, bundle: build.bundle },
    );
    if (!web.ok) {
      failures++;
      console.log(`${build.name}, ${c.name}: FAILED on webgpu: ${web.error}`);
      continue;
    }
    const report = c.outputs.map((name) => {
      const expected = cpu[name]!.data as Float32Array;
      const got = web.out[name]!;
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
        scale = Math.max(scale, Math.abs(expected[i]!));
      }
      if (!(worst <= 1e-3 * scale)) failures++;
      return `${name.replace(/^.*\//, '')} ${(worst / scale).toExponential(1)}`;
    });
    console.log(`${build.name}, ${c.name}: webgpu vs cpu, max |diff| / max |cpu|: ${report.join(', ')}`);
  }
await browser.close();
server.close();
process.exit(failures > 0 ? 1 : 0);
