import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gradient } from '@salience/gradient';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { BUILTIN_DIR, BUILTIN_MODEL } from '../models/builtin.js';
import { loadTfjsModel } from '../models/tfjs-model-file.js';
import type { ExplainSummary } from './explain-outputs.js';

// The README's main job: `salience explain` with no model runs every method on the built-in
// Fashion-MNIST model and its samples. One run, shared by the checks below.
describe('salience explain on the built-in model', () => {
  const tmp = scratch();
  let run: Awaited<ReturnType<typeof salience>>;
  let summary: ExplainSummary;

  beforeAll(async () => {
    run = await salience(['explain', '--json', '--out', tmp.path('report')]);
    summary = run.json<ExplainSummary>();
    // About 10 s of CPU on two cores; the margin is for machines busy with other work.
  }, 240_000);
  afterAll(() => tmp.remove());

  it('exits 0 and prints only the JSON summary on stdout, nothing on stderr', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(summary).toMatchObject({
      tool: 'salience',
      ok: true,
      out: tmp.path('report'),
      report: 'report.html',
      grid: 'grid.png',
      model: { builtin: true, format: 'tfjs-layers', layout: 'NHWC', inputShape: [null, 28, 28, 1], classes: 10 },
      input: { kind: 'images', shape: [12, 28, 28, 1], file: 'input.npy' },
      target: 'predicted',
      skipped: [],
    });
    expect(summary.model.runtime).toMatch(/^tfjs 4\.\d+\.\d+ \(wasm\)$/);
  });

  it('runs every method, one map per example for the predicted class', () => {
    expect(summary.methods.map((m) => m.name)).toEqual(['gradient', 'smoothgrad', 'ig', 'gradcam', 'occlusion']);
    const predicted = summary.examples.map((e) => e.predicted);
    for (const m of summary.methods) {
      expect(m.file).toBe(`${m.name}.npy`);
      expect(m.shape).toEqual([12, 28, 28, 1]);
      expect(m.layout).toBe('NHWC');
      expect(m.examples).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(m.targets).toEqual(predicted);
      expect(m.timeMs).toBeGreaterThan(0);
      expect(m.modelCalls).toBeGreaterThan(0);
      expect(m.overlays).toHaveLength(12);
    }
    expect(summary.methods.find((m) => m.name === 'ig')?.meta).toMatchObject({ quadrature: 'gauss-legendre', steps: 50 });
    expect(summary.methods.find((m) => m.name === 'gradcam')?.meta).toMatchObject({ layer: 'conv3', relu: true });
  });

  it('classifies the samples as the trained model does in PyTorch', async () => {
    const samples = JSON.parse(await readFile(`${BUILTIN_DIR}samples.json`, 'utf8')) as { label: number; torchLogits: number[] }[];
    summary.examples.forEach((example, i) => {
      const torch = samples[i]!.torchLogits;
      const torchPredicted = torch.indexOf(Math.max(...torch));
      expect(example.predicted).toBe(torchPredicted);
      expect(example.label).toBe(samples[i]!.label);
    });
    const correct = summary.examples.filter((e) => e.predicted === e.label).length;
    expect(correct).toBeGreaterThanOrEqual(10);
  });

  it('writes the raw maps, overlays, grid, report and summary, and nothing else', () => {
    const out = tmp.path('report');
    expect(readdirSync(out).sort()).toEqual(
      [
        '.salience-manifest.json',
        'gradcam.npy',
        'gradient.npy',
        'grid.png',
        'ig.npy',
        'figures',
        'input.npy',
        'occlusion.npy',
        'overlays',
        'report.html',
        'smoothgrad.npy',
        'summary.json',
      ].sort(),
    );
    for (const m of summary.methods) {
      expect(readNpyFile(`${out}/${m.file}`).shape).toEqual([12, 28, 28, 1]);
      for (const file of m.overlays) expect(readFileSync(`${out}/${file}`).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(summary.methods[0]!.overlays[0]).toBe('overlays/gradient/00-t-shirt-top.png');
    expect(JSON.parse(readFileSync(`${out}/summary.json`, 'utf8'))).toEqual(summary);
    expect(tmp.entries()).toEqual(['report']);
    const html = readFileSync(`${out}/report.html`, 'utf8');
    for (const text of ['Integrated gradients', 'Grad-CAM', 'Occlusion', 'SmoothGrad', 'Ankle boot', 'test accuracy']) expect(html).toContain(text);
  });

  it('stores the values exactly as the library returns them', async () => {
    const input = readNpyFile(tmp.path('report', 'input.npy'));
    expect(Math.min(...input.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...input.data)).toBeLessThanOrEqual(1);
    const loaded = await loadTfjsModel(BUILTIN_MODEL, { backend: 'wasm' });
    try {
      const direct = await gradient.attribute(loaded.model, input, { target: 'predicted' });
      const stored = readNpyFile(tmp.path('report', 'gradient.npy'));
      expect(stored.data).toEqual(direct.values.data);
    } finally {
      loaded.dispose();
    }
  });
});

describe('salience explain, human output', () => {
  it('prints one line per method when stderr is not a terminal, then where the files are', async () => {
    const tmp = scratch();
    try {
      const run = await salience(['explain', '--method', 'gradient,gradcam', '--out', tmp.path('out')], { cwd: tmp.dir });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^Explaining the built-in Fashion-MNIST model/);
      expect(run.stderr).toMatch(/\ngradient {5}12 maps in [\d.]+ m?s, [12] model calls?\n/);
      expect(run.stderr).toMatch(/\ngradcam {6}12 maps in /);
      expect(run.stdout).toContain('2 method(s) on 12 example(s)');
      expect(run.stdout).toContain('Wrote out/:');
      expect(run.stdout).toMatch(/gradient\.npy +\[12, 28, 28, 1\] +NHWC/);
      expect(run.stdout).toContain('open out/report.html in a browser');
      expect(existsSync(tmp.path('out', 'grid.png'))).toBe(true);
    } finally {
      tmp.remove();
    }
  });

  it('explains several classes per example with top-k, one overlay per class', async () => {
    const tmp = scratch();
    try {
      const sample = `${BUILTIN_DIR}samples/06-shirt.png`;
      const run = await salience(['explain', '--input', sample, '--method', 'gradient', '--target', 'top3', '--json', '--no-overlays', '--out', tmp.path('a')]);
      expect(run.code).toBe(0);
      const s = run.json<ExplainSummary>();
      expect(s.methods[0]!.examples).toEqual([0, 0, 0]);
      expect(new Set(s.methods[0]!.targets).size).toBe(3);
      expect(s.methods[0]!.shape).toEqual([3, 28, 28, 1]);
      expect(s.grid).toBeNull();
      expect(readdirSync(tmp.path('a')).sort()).toEqual(['.salience-manifest.json', 'gradient.npy', 'input.npy', 'report.html', 'summary.json']);
      const named = await salience(['explain', '--input', sample, '--method', 'gradient', '--target', 'classes:Shirt,Coat', '--json', '--out', tmp.path('b')]);
      expect(named.code).toBe(0);
      expect(named.json<ExplainSummary>().methods[0]!.targets).toEqual([6, 4]);
      expect(named.json<ExplainSummary>().methods[0]!.overlays).toEqual(['overlays/gradient/06-shirt.class-6.png', 'overlays/gradient/06-shirt.class-4.png']);
    } finally {
      tmp.remove();
    }
  });
});
