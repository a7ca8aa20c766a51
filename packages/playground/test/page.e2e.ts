import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromiumLaunchOptions } from '@salience/browser-tests/chromium';
import { heatmapImage, overlay } from '@salience/render';
import { compareMaps } from '@salience/testing';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, displayMapOf } from '../src/display.js';
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
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
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

    for (const [i, nodeRun] of nodeRuns.entries()) {
      const drawn = hook.runs[i];
      const label = `${drawn.id} on webgl`;
      expect(drawn.targets, label).toEqual(Array.from(nodeRun.attribution.targets));
      const values = compareMaps({ data: Float32Array.from(drawn.values), shape: drawn.shape }, nodeRun.attribution.values);
      expect(values.relativeError, `${label}: raw values`).toBeLessThanOrEqual(GPU_TOLERANCE);
      const nodeMap = displayMapOf(nodeRun.attribution, DEFAULT_CONTROLS);
      const pageMap = { data: Float32Array.from(drawn.map), shape: drawn.mapShape };
      const maps = compareMaps({ data: pageMap.data, shape: [1, ...pageMap.shape] }, { data: nodeMap.data, shape: [1, ...nodeMap.shape] });
      expect(maps.relativeError, `${label}: display map`).toBeLessThanOrEqual(GPU_TOLERANCE);
      console.log(`${label}: page vs Node, raw ${values.relativeError.toExponential(2)}, display map ${maps.relativeError.toExponential(2)} (x max), ${drawn.ms.toFixed(0)} ms in the page`);

      // The canvases hold exactly the colours of that map: the heatmap, and the overlay on the input.
      const inputPixels = await canvasPixels(drawn.id, 'input');
      const inputImage = { width: 28, height: 28, data: Uint8ClampedArray.from(inputPixels) };
      expect(Array.from(await canvasPixels(drawn.id, 'heatmap'))).toEqual(Array.from(heatmapImage(pageMap, DEFAULT_CONTROLS.colormap, { width: 28, height: 28 }).data));
      const expectedOverlay = overlay(inputImage, pageMap, { opacity: DEFAULT_CONTROLS.opacity, colormap: DEFAULT_CONTROLS.colormap });
      expect(Array.from(await canvasPixels(drawn.id, 'overlay'))).toEqual(Array.from(expectedOverlay.data));
    }
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('redraws with the display controls without running again', async () => {
    const { runs } = await hookOf(page);
    const before = await canvasPixels(runs[0].id, 'heatmap');
    await page.selectOption('#colormap', 'gray');
    await page.locator('#clip').fill('10');
    const after = await canvasPixels(runs[0].id, 'heatmap');
    expect(after).not.toEqual(before);
    const hook = await hookOf(page);
    expect(hook.runs.map((r) => r.ms)).toEqual(runs.map((r) => r.ms));
    // Gray colormap: the heatmap's red channel is the drawn map, clipped at the top 10%.
    const map = hook.runs[0].map;
    expect(after.filter((_, i) => i % 4 === 0).every((v, p) => Math.abs(v - Math.round(255 * Math.min(1, map[p]))) <= 1)).toBe(true);
    await page.selectOption('#colormap', 'inferno');
    await page.locator('#clip').fill('2');
  });

  it('explains the built-in model as ONNX on onnxruntime-web (wasm) with the same maps as Node', async () => {
    await page.selectOption('#backend', 'webgl');
    await page.check('input[name=model][value="builtin-onnx"]');
    // Picking an ONNX model moves the backend to WebAssembly: onnxruntime-web has no WebGL here.
    expect(await page.inputValue('#backend')).toBe('wasm');
    await page.waitForFunction(() => document.querySelector('#model-status')?.textContent?.includes('(ONNX)') ?? false, undefined, { timeout: 120_000 });
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
      const drawn = hook.runs[i];
      // The same weights, exported from PyTorch to ONNX (NCHW) and to tfjs (NHWC): one channel, so the same order.
      const nodeMap = displayMapOf(nodeRun.attribution, DEFAULT_CONTROLS);
      const maps = compareMaps({ data: Float32Array.from(drawn.map), shape: [1, ...drawn.mapShape] }, { data: nodeMap.data, shape: [1, ...nodeMap.shape] });
      console.log(`${drawn.id} on onnxruntime-web wasm: page vs Node tfjs, display map ${maps.relativeError.toExponential(2)} (x max)`);
      expect(maps.relativeError, `${drawn.id} ONNX display map`).toBeLessThanOrEqual(GPU_TOLERANCE);
    }
    await page.check('input[name=model][value="builtin"]');
    await page.waitForFunction(() => !(document.querySelector('#model-status')?.textContent?.includes('(ONNX)') ?? true), undefined, { timeout: 120_000 });
    expect(blocked).toEqual([]);
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
