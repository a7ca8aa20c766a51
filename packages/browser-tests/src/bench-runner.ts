import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import type { BenchResult } from '../bench/bench-page.js';
import { chromiumLaunchOptions } from './chromium.js';

export type { BenchResult, BenchRow } from '../bench/bench-page.js';

export interface BrowserBenchOptions {
  readonly backends: readonly string[];
  readonly size: number;
  readonly batch: number;
  readonly reps: number;
  readonly steps: number;
  readonly methods?: readonly string[];
  /** Per backend, in milliseconds. */
  readonly timeout: number;
  readonly onLine?: (line: string) => void;
}

const benchDir = fileURLToPath(new URL('../bench/', import.meta.url));

/**
 * Builds the benchmark page with Vite (a built page does not reload itself as a dev server may),
 * serves it, and opens it in Debian's Chromium once per backend (a fresh page each time, so one
 * backend's memory does not weigh on the next).
 */
export async function runBrowserBench(options: BrowserBenchOptions): Promise<BenchResult[]> {
  const conditions = ['@salience/source', 'module', 'browser', 'import', 'default'];
  const outDir = mkdtempSync(join(tmpdir(), 'salience-bench-'));
  await build({
    root: benchDir,
    base: './',
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  });
  const server = await preview({ root: benchDir, configFile: false, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const results: BenchResult[] = [];
  try {
    const origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    for (const backend of options.backends) {
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') options.onLine?.(`  [${backend} console] ${message.text()}`);
      });
      const query = new URLSearchParams({
        backend,
        size: String(options.size),
        batch: String(options.batch),
        reps: String(options.reps),
        steps: String(options.steps),
        ...(options.methods ? { methods: options.methods.join(',') } : {}),
      });
      await page.goto(`${origin}/index.html?${query}`);
      let seen = 0;
      const started = Date.now();
      let result: BenchResult | undefined;
      while (!result) {
        if (Date.now() - started > options.timeout) throw new Error(`The ${backend} benchmark took more than ${options.timeout / 1000} s.`);
        await page.waitForTimeout(500);
        const lines = ((await page.textContent('#log')) ?? '').split('\n').slice(1);
        for (const line of lines.slice(seen)) options.onLine?.(`  ${line}`);
        seen = lines.length;
        result = await page.evaluate(() => (window as unknown as { benchResult?: BenchResult }).benchResult);
      }
      results.push(result);
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  }
  return results;
}
