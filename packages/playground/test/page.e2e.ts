import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromiumLaunchOptions } from '@salience/browser-tests/chromium';
import { createImage, decodePng, encodePng, heatmapImage, overlay } from '@salience/render';
import { compareMaps } from '@salience/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, displayMapOf, resolveDisplay } from '../src/display.js';
import { imageToInput } from '../src/image-input.js';
import { methodChoice } from '../src/methods.js';
import type { PageHook } from '../src/page-hook.js';
import { runMethods } from '../src/run-methods.js';
import { builtinInNode, builtinSampleInNode } from './builtin-in-node.js';

/**
 * The parity bar between the page (tfjs webgl, in Chromium) and Node (tfjs cpu): the GPU tolerance
 * of the browser target, max |page - node| <= 1e-3 x max |node|, map by map.
 */
const GPU_TOLERANCE = 1e-3;

const root = fileURLToPath(new URL('..', import.meta.url));
const outputDir = fileURLToPath(new URL('../test-output/', import.meta.url));
/** The screenshot the root README shows; written only with SALIENCE_UPDATE_DOCS=1, checked on every run. */
const docsScreenshot = fileURLToPath(new URL('../../../docs/playground.png', import.meta.url));
const VIEWPORT = { width: 1280, height: 1000 };

let server: PreviewServer;
let browser: Browser;
let page: Page;
const blocked: string[] = [];
const pageErrors: string[] = [];

const hookOf = (p: Page) => p.evaluate(() => (window as unknown as { salience: PageHook }).salience);

async function waitForStatus(statuses: string[], timeout = 240_000): Promise<PageHook> {
  await page.waitForFunction((wanted) => wanted.includes((window as unknown as { salience?: PageHook }).salience?.status ?? ''), statuses, { timeout, polling: 100 });
  return hookOf(page);
}

/** Waits until the page has ranked the classes of the current picture, and returns its hook. */
async function waitForTargets(): Promise<PageHook> {
  await page.waitForFunction(() => ((window as unknown as { salience: PageHook }).salience.targets.length ?? 0) > 0, undefined, { timeout: 120_000, polling: 50 });
  return hookOf(page);
}

async function chooseMethods(ids: string[]): Promise<void> {
  for (const box of await page.locator('input[name=method]').all()) {
    const id = await box.getAttribute('value');
    await box.setChecked(ids.includes(id ?? ''));
  }
}

/** RGBA bytes of a canvas of a result row. */
const canvasPixels = (method: string, kind: string) =>
  page.evaluate(
    ([m, k]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-method="${m}"] canvas[data-kind="${k}"]`)!;
      return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
    },
    [method, kind] as const,
  );

beforeAll(async () => {
  if (!existsSync(`${root}dist/index.html`)) throw new Error("The page is not built: run 'pnpm build' in packages/playground first (test-browser does).");
  mkdirSync(outputDir, { recursive: true });
  server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  browser = await chromium.launch(chromiumLaunchOptions());
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
  // Offline: anything but the page's own server is refused, and the test fails if the page asked.
  const origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/`);
  await waitForStatus(['ready', 'error'], 120_000);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()));
});

describe('the playground page in Chromium', () => {
  it('loads the built-in model and its samples from its own server only', async () => {
    const hook = await hookOf(page);
    expect(hook.status, hook.message).toBe('ready');
    expect(hook.model).toMatch(/Fashion-MNIST/);
    expect(await page.locator('#samples button').count()).toBe(12);
    expect(await page.locator('#runtime').textContent()).toMatch(/^TensorFlow\.js/);
    // Every method the model can run is offered; the built-in tfjs model applies the ReLU and
    // rescale backward rules but not LRP's (ONNX only), so only LRP is greyed out.
    const disabled = await page.locator('input[name=method]:disabled').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value).sort());
    expect(disabled).toEqual(['lrp']);
    expect(await page.locator('input[name=method]').count()).toBe(21);
    // The layers Grad-CAM can use are the model's spatial layers.
    expect(await page.locator('#layer option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
      '',
      'conv1',
      'pool1',
      'conv2',
      'pool2',
      'conv3',
      'pool3',
    ]);
    // The backend list stays inside its box, however long its option texts.
    const select = (await page.locator('#backend').boundingBox())!;
    const box = (await page.locator('#backend').locator('xpath=ancestor::fieldset').boundingBox())!;
    expect(select.x + select.width).toBeLessThanOrEqual(box.x + box.width);
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  /**
   * SmoothGrad and Grad-CAM: plain |gradient| and integrated gradients are not compared here,
   * because tfjs-webgl's MaxPoolGrad gives a tie within a pooling window (everywhere on the black
   * background of these images) to another pixel than tfjs-cpu and PyTorch do; the tfjs adapter
   * corrects that for wasm only so far. SmoothGrad's noise breaks the ties.
   */
  it('runs two methods on webgl and draws the maps that Node computes, within the GPU tolerance', async () => {
    await page.selectOption('#backend', 'webgl');
    await page.click('#samples button[data-sample="2"]');
    await waitForTargets();
    await chooseMethods(['smoothgrad', 'grad-cam']);
    await page.click('#run');
    const hook = await waitForStatus(['done', 'error', 'cancelled']);
    expect(hook.status, hook.message).toBe('done');
    expect(hook.backend).toBe('webgl');
    expect(hook.runs.map((r) => r.id)).toEqual(['smoothgrad', 'grad-cam']);
    await page.screenshot({ path: `${outputDir}playground-webgl.png`, fullPage: true });

    // The same methods on the same image in Node, on tfjs's cpu backend.
    const node = await builtinInNode();
    const picture = await builtinSampleInNode(2);
    const input = imageToInput(picture, node.shape);
    const nodeRuns = await runMethods(node.model, input, node.shape, [methodChoice('smoothgrad'), methodChoice('grad-cam')]);
    node.dispose();
    // Both are unsigned maps: drawn as magnitudes with a sequential colormap.
    const { colormap } = resolveDisplay(DEFAULT_CONTROLS, false);

    for (const [i, nodeRun] of nodeRuns.entries()) {
      const drawn = hook.runs[i]!;
      const label = `${drawn.id} on webgl`;
      expect(drawn.targets, label).toEqual(Array.from(nodeRun.attribution.targets));
      const values = compareMaps({ data: Float32Array.from(drawn.values), shape: drawn.shape }, nodeRun.attribution.values);
      expect(values.relativeError, `${label}: raw values`).toBeLessThanOrEqual(GPU_TOLERANCE);
      const nodeMap = displayMapOf(nodeRun.attribution, DEFAULT_CONTROLS);
      const pageMap = { data: Float32Array.from(drawn.map), shape: drawn.mapShape };
      const maps = compareMaps({ data: pageMap.data, shape: [1, ...pageMap.shape] }, { data: nodeMap.data, shape: [1, ...nodeMap.shape] });
      expect(maps.relativeError, `${label}: display map`).toBeLessThanOrEqual(GPU_TOLERANCE);
      console.log(
        `${label}: page vs Node, raw ${values.relativeError.toExponential(2)}, display map ${maps.relativeError.toExponential(2)} (x max), ${drawn.ms.toFixed(0)} ms in the page`,
      );

      // The canvases hold exactly the colours of that map: the heatmap, and the overlay on the input.
      const inputPixels = await canvasPixels(drawn.id, 'input');
      const inputImage = { width: 28, height: 28, data: Uint8ClampedArray.from(inputPixels) };
      expect(Array.from(await canvasPixels(drawn.id, 'heatmap'))).toEqual(Array.from(heatmapImage(pageMap, colormap, { width: 28, height: 28 }).data));
      const expectedOverlay = overlay(inputImage, pageMap, { opacity: DEFAULT_CONTROLS.opacity, colormap });
      expect(Array.from(await canvasPixels(drawn.id, 'overlay'))).toEqual(Array.from(expectedOverlay.data));
    }
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('redraws with the display controls without running again', async () => {
    const { runs } = await hookOf(page);
    const before = await canvasPixels(runs[0]!.id, 'heatmap');
    await page.selectOption('#colormap', 'gray');
    await page.locator('#clip').fill('10');
    const after = await canvasPixels(runs[0]!.id, 'heatmap');
    expect(after).not.toEqual(before);
    const hook = await hookOf(page);
    expect(hook.runs.map((r) => r.ms)).toEqual(runs.map((r) => r.ms));
    // Gray colormap: the heatmap's red channel is the drawn map, clipped at the top 10%.
    const map = hook.runs[0]!.map;
    expect(after.filter((_, i) => i % 4 === 0).every((v, p) => Math.abs(v - Math.round(255 * Math.min(1, map[p]!))) <= 1)).toBe(true);
    await page.selectOption('#colormap', 'auto');
    await page.locator('#clip').fill('2');
  });

  it('explains the built-in model as ONNX on onnxruntime-web (wasm) with the same maps as Node', async () => {
    await page.selectOption('#backend', 'webgl');
    await page.check('input[name=model][value="builtin-onnx"]');
    // Picking an ONNX model moves the backend to WebAssembly: onnxruntime-web has no WebGL here.
    expect(await page.inputValue('#backend')).toBe('wasm');
    // The header names the runtime that runs the model once it is loaded.
    await page.waitForFunction(() => document.querySelector('#runtime')?.textContent?.startsWith('ONNX') ?? false, undefined, { timeout: 120_000 });
    expect(await page.locator('#runtime').textContent()).toBe('ONNX Runtime Web (WebAssembly)');
    expect(await page.locator('#backend option[value=webgl]').isDisabled()).toBe(true);
    await page.click('#samples button[data-sample="2"]');
    // Not Grad-CAM: its automatic layer is conv3's output, which is after the ReLU in tfjs (the
    // activation is part of the Conv2D layer) and before it in ONNX, so the two maps differ by design.
    await chooseMethods(['smoothgrad', 'occlusion']);
    await page.click('#run');
    const hook = await waitForStatus(['done', 'error', 'cancelled']);
    expect(hook.status, hook.message).toBe('done');
    expect(hook.model).toMatch(/ONNX/);
    expect(hook.runs.map((r) => r.id)).toEqual(['smoothgrad', 'occlusion']);
    await page.screenshot({ path: `${outputDir}playground-onnx-wasm.png`, fullPage: true });
    const node = await builtinInNode();
    const input = imageToInput(await builtinSampleInNode(2), node.shape);
    const nodeRuns = await runMethods(node.model, input, node.shape, [methodChoice('smoothgrad'), methodChoice('occlusion')]);
    node.dispose();
    for (const [i, nodeRun] of nodeRuns.entries()) {
      const drawn = hook.runs[i]!;
      // The same weights, exported from PyTorch to ONNX (NCHW) and to tfjs (NHWC): one channel, so the same order.
      // Occlusion is signed: drawn with its sign by default.
      const nodeMap = displayMapOf(nodeRun.attribution, DEFAULT_CONTROLS, methodChoice(drawn.id).signed);
      const maps = compareMaps({ data: Float32Array.from(drawn.map), shape: [1, ...drawn.mapShape] }, { data: nodeMap.data, shape: [1, ...nodeMap.shape] });
      console.log(`${drawn.id} on onnxruntime-web wasm: page vs Node tfjs, display map ${maps.relativeError.toExponential(2)} (x max)`);
      expect(maps.relativeError, `${drawn.id} ONNX display map`).toBeLessThanOrEqual(GPU_TOLERANCE);
    }
    // DeepLIFT's baseline and LRP's rules from their selects, through mean 0.5 and std 0.5: a black pixel is -1, a white one 1.
    await page.fill('#mean', '0.5');
    await page.fill('#std', '0.5');
    await page.locator('#std').dispatchEvent('change');
    await chooseMethods(['deep-lift', 'lrp']);
    await page.selectOption('select[name="deep-lift.baseline"]', 'black');
    await page.selectOption('select[name="lrp.rules"]', 'epsilon-gamma-box');
    await page.click('#run');
    const picked = await waitForStatus(['done', 'error', 'cancelled']);
    expect(picked.status, picked.message).toBe('done');
    const [lifted, relevance] = picked.runs;
    expect([lifted!.id, relevance!.id]).toEqual(['deep-lift', 'lrp']);
    expect(lifted!.meta.baseline).toBe(-1);
    expect(relevance!.meta).toMatchObject({ rules: 'epsilon-gamma-box', low: -1, high: 1, gamma: 0.25 });
    for (const run of picked.runs) expect(run.values.every(Number.isFinite) && run.values.some((v) => v !== 0), run.id).toBe(true);
    await page.selectOption('select[name="deep-lift.baseline"]', 'zero');
    await page.selectOption('select[name="lrp.rules"]', 'epsilon');
    await page.fill('#mean', '0');
    await page.fill('#std', '1');
    await page.locator('#std').dispatchEvent('change');
    await page.check('input[name=model][value="builtin"]');
    await page.waitForFunction(() => document.querySelector('#runtime')?.textContent?.startsWith('TensorFlow') ?? false, undefined, { timeout: 120_000 });
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('explains a chosen target at a chosen layer, draws signed maps with a colorbar in raw units, and downloads maps and figure', async () => {
    await page.check('input[name=model][value="builtin"]');
    await page.selectOption('#backend', 'webgl');
    await page.click('#samples button[data-sample="2"]');
    const { targets } = await waitForTargets();
    // The second most probable class, not the prediction.
    const target = targets[1]!.index;
    expect(await page.locator('#target option').count()).toBe(11);
    await page.selectOption('#target', String(target));
    await page.selectOption('#layer', 'conv2');
    await chooseMethods(['integrated-gradients', 'grad-cam', 'kernel-shap']);
    // Few samples: this test is about the choices reaching the methods, not their accuracy.
    await page.fill('input[name="integrated-gradients.steps"]', '64');
    await page.fill('input[name="kernel-shap.samples"]', '60');
    await page.click('#run');
    const hook = await waitForStatus(['done', 'error', 'cancelled']);
    expect(hook.status, hook.message).toBe('done');
    expect(hook.runs.map((r) => r.id)).toEqual(['integrated-gradients', 'grad-cam', 'kernel-shap']);
    for (const run of hook.runs) expect(run.targets, run.id).toEqual([target]);
    const [ig, cam, shap] = hook.runs;
    console.log(`in the page on webgl: ${hook.runs.map((r) => `${r.id} ${r.ms.toFixed(0)} ms`).join(', ')}`);
    expect(cam!.meta.layer).toBe('conv2');
    expect(cam!.mapShape).toEqual([28, 28]);
    expect(ig!.meta.steps).toBe(64);
    expect(shap!.meta.samples).toBe(60);
    expect(shap!.meta.features).toBe(49);
    // Signed methods are shown signed by default (a diverging colormap around 0); Grad-CAM as a magnitude.
    expect([ig!.sign, ig!.colormap, ig!.scale.signed]).toEqual(['all', 'blue-white-red', true]);
    expect([cam!.sign, cam!.colormap, cam!.scale.signed]).toEqual(['absolute', 'inferno', false]);
    expect(Math.min(...ig!.map)).toBeLessThan(0);
    expect(ig!.scale.low).toBeCloseTo(-ig!.scale.high, 9);
    expect(await page.locator('[data-method="integrated-gradients"] .scale').textContent()).toMatch(/full colour at/);
    expect(await page.locator('[data-method="integrated-gradients"] .target').textContent()).toContain(`(class ${target})`);
    expect(await page.locator('[data-method="integrated-gradients"] .facts').textContent()).toMatch(/^convergence Δ = \S+ \(\S+% of f\(x\) − f\(baseline\) = \S+\)$/);
    const bar = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-method="integrated-gradients"] canvas[data-kind=colorbar]')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - data[i + 2]!) > 60) coloured++;
      return { width: canvas.width, height: canvas.height, coloured };
    });
    expect(bar.height).toBeGreaterThanOrEqual(168);
    expect(bar.coloured).toBeGreaterThan(100);

    // Grad-CAM at conv2 for that class equals the same call in Node (tfjs cpu).
    const node = await builtinInNode();
    const input = imageToInput(await builtinSampleInNode(2), node.shape);
    const [nodeCam] = await runMethods(node.model, input, node.shape, [methodChoice('grad-cam')], { target, settings: () => ({ values: {}, layer: 'conv2' }) });
    node.dispose();
    const camError = compareMaps({ data: Float32Array.from(cam!.values), shape: cam!.shape }, nodeCam!.attribution.values).relativeError;
    console.log(`grad-cam at conv2, class ${target}, on webgl: page vs Node ${camError.toExponential(2)} (x max)`);
    expect(camError).toBeLessThanOrEqual(GPU_TOLERANCE);

    // The maps as .npy: numpy's header, the attribution's shape, the raw float32 values.
    const [npy] = await Promise.all([page.waitForEvent('download'), page.click('[data-method="integrated-gradients"] button[data-download=npy]')]);
    expect(npy.suggestedFilename()).toBe(`built-in-fashion-mnist-cnn-integrated-gradients-class${target}.npy`);
    const bytes = readFileSync((await npy.path())!);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 28, 28, 1\), \} *\n$/);
    expect((10 + headerLength) % 64).toBe(0);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
    expect(Array.from(values)).toEqual(ig!.values.map((v) => Math.fround(v)));

    // The figure as PNG: original | heat map | blended and the colorbar, 224 px panels.
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-method="integrated-gradients"] button[data-download=png]')]);
    expect(png.suggestedFilename()).toMatch(/integrated-gradients-class\d\.png$/);
    await png.saveAs(`${outputDir}playground-figure.png`);
    const figure = decodePng(readFileSync(`${outputDir}playground-figure.png`));
    expect(figure.width).toBeGreaterThan(3 * 224);
    expect(figure.height).toBeGreaterThan(224);

    await page.screenshot({ path: `${outputDir}playground.png`, fullPage: true });
    if (process.env.SALIENCE_UPDATE_DOCS === '1') copyFileSync(`${outputDir}playground.png`, docsScreenshot);
    // The README's screenshot is of this page, at this test's viewport width.
    expect(decodePng(readFileSync(docsScreenshot)).width).toBe(VIEWPORT.width);
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('says what it did to an own picture of another shape, takes a labels file, and checks mean and std', async () => {
    // 56 x 28: white on the left half, gray on the right.
    const wide = createImage(56, 28, [128, 128, 128, 255]);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) wide.data.set([255, 255, 255, 255], (y * 56 + x) * 4);
    await page.setInputFiles('#image-file', { name: 'wide.png', mimeType: 'image/png', buffer: Buffer.from(encodePng(wide)) });
    const note = page.locator('#image-note');
    await expect.poll(() => note.textContent()).toBe('wide.png: 28×56 (h×w): centre 28×28 cut out; pixels scaled to [0, 1]');
    await page.selectOption('#fit', 'letterbox');
    await expect.poll(() => note.textContent()).toContain('resized to 14×28 and padded with black to 28×28 (letterbox)');
    await waitForTargets();

    const names = ['top', 'trousers', 'jumper', 'frock', 'mac', 'sandal', 'blouse', 'trainer', 'handbag', 'boot'];
    await page.setInputFiles('#labels-file', { name: 'labels.txt', mimeType: 'text/plain', buffer: Buffer.from(names.join('\n')) });
    await expect.poll(async () => (await hookOf(page)).targets.map((t) => t.name).sort()).toEqual([...names].sort());
    expect(await page.locator('#target option').nth(1).textContent()).toMatch(/^[a-z]+ \(class \d\) · \d+\.\d%$/);

    // The ImageNet preset has three values: this gray model takes one channel, and the page says so.
    await page.selectOption('#preset', 'imagenet');
    expect(await page.inputValue('#mean')).toBe('0.485, 0.456, 0.406');
    await expect.poll(() => note.textContent()).toMatch(/mean has 3 values but the model takes 1 channel/);
    await page.fill('#mean', '0.5');
    await page.fill('#std', '0.25');
    await page.locator('#std').dispatchEvent('change');
    await expect.poll(() => note.textContent()).toContain('normalised with mean [0.5] and std [0.25]');
    await page.selectOption('#preset', 'none');
    await page.selectOption('#fit', 'crop');
    expect(pageErrors).toEqual([]);
  });

  it('shows progress on a long run and cancels it', async () => {
    await page.check('input[name=model][value="builtin"]');
    await page.selectOption('#backend', 'webgl');
    await chooseMethods(['smoothgrad', 'integrated-gradients', 'occlusion', 'gradient', 'input-x-gradient', 'grad-cam']);
    await page.click('#run');
    await page.waitForFunction(() => Number(document.querySelector<HTMLProgressElement>('#progress')!.value) > 0, undefined, { timeout: 120_000, polling: 20 });
    await page.click('#cancel');
    const hook = await waitForStatus(['cancelled', 'done', 'error']);
    expect(hook.status, hook.message).toBe('cancelled');
    expect(hook.runs.length).toBeLessThan(6);
    expect(await page.locator('#run-status').textContent()).toBe('cancelled');
    expect(await page.locator('#run').isDisabled()).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
