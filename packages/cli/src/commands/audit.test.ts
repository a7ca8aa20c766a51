import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Model } from '@salience/core';
import { decodePng, encodePng } from '@salience/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, salience, scratch } from '../../test/cli-harness.js';
import type { AuditSummary } from '../audit/summary.js';
import { writeNpy } from '../inputs/npy.js';
import { imagesToTensor } from '../inputs/preprocessing.js';
import { BUILTIN_DIR, BUILTIN_MODEL, BUILTIN_ONNX_MODEL } from '../models/builtin.js';
import type { ModelLoader } from '../models/loaded-model.js';
import { loadModelFile } from '../models/model-file.js';

/** The parts of a summary that do not depend on timing, on where it was written, or on what was resumed. */
function results(summary: AuditSummary) {
  const { out: _out, timeMs: _time, methodTimeMs: _methodTime, chunks, ...rest } = summary;
  return { ...rest, chunks: { size: chunks.size, total: chunks.total } };
}

/**
 * The real model loader, with a hook before every model call and a count of the rows that
 * gradients were asked for (one per example and gradient-based method).
 */
function spyLoader(beforeRun: () => void = () => {}): ModelLoader & { gradientRows: number } {
  const loader = Object.assign(
    async (path: string, options: Parameters<ModelLoader>[1]) => {
      const loaded = await loadModelFile(path, options);
      const inner = loaded.model;
      const model: Model = {
        layout: inner.layout,
        inputShape: inner.inputShape,
        capabilities: inner.capabilities,
        layers: () => inner.layers(),
        run: (request) => {
          beforeRun();
          if ((request.outputs as readonly string[]).includes('inputGradients')) loader.gradientRows += request.input.shape[0]!;
          return inner.run(request);
        },
        dispose: () => inner.dispose(),
      };
      return { ...loaded, model };
    },
    { gradientRows: 0 },
  );
  return loader;
}

// The twelve built-in samples (all classified correctly) as a labelled folder, and a shifted copy
// of them with a white 4x4 square in the bottom-right corner.
describe('salience audit on the built-in model', () => {
  const tmp = scratch();
  const samples = JSON.parse(readFileSync(`${BUILTIN_DIR}samples.json`, 'utf8')) as { file: string; label: number }[];
  const data = tmp.path('samples');
  const shifted = tmp.path('shifted');
  // Gradient and Grad-CAM (not the default gradient and IG): a row of gradients per example and method.
  const labelled = ['audit', '--data', data, '--truth', `${data}/truth.csv`, '--chunk-size', '5'];
  const base = [...labelled, '--method', 'gradient,gradcam'];
  let fresh: CliRun;
  let summary: AuditSummary;

  beforeAll(async () => {
    mkdirSync(data);
    mkdirSync(shifted);
    const rows = ['file,label'];
    for (const s of samples) {
      const name = s.file.replace('samples/', '');
      copyFileSync(`${BUILTIN_DIR}${s.file}`, `${data}/${name}`);
      rows.push(`${name},${s.label}`);
      const image = decodePng(readFileSync(`${BUILTIN_DIR}${s.file}`));
      for (let y = 23; y < 27; y++) for (let x = 23; x < 27; x++) image.data.set([255, 255, 255, 255], (y * 28 + x) * 4);
      writeFileSync(`${shifted}/${name}`, encodePng(image));
    }
    writeFileSync(`${data}/truth.csv`, `${rows.join('\n')}\n`);
    writeFileSync(`${shifted}/truth.txt`, `${samples.map((s) => s.label).join('\n')}\n`);
    fresh = await salience([...base, '--json', '--out', tmp.path('fresh')]);
    summary = fresh.json<AuditSummary>();
  }, 120_000);
  afterAll(() => tmp.remove());

  it('writes the report, the summary and a class-means figure per method, and keeps the chunks', () => {
    expect(fresh.stderr).toBe('');
    expect(fresh.code).toBe(0);
    const out = tmp.path('fresh');
    expect(readdirSync(out).sort()).toEqual([
      '.salience-audit',
      '.salience-manifest.json',
      'class-means-builtin-data-gradcam.png',
      'class-means-builtin-data-gradient.png',
      'report.html',
      'summary.json',
    ]);
    expect(readdirSync(`${out}/.salience-audit`).sort()).toEqual(['data-0000.m0.rec', 'data-0001.m0.rec', 'data-0002.m0.rec', 'run.json']);
    expect(JSON.parse(readFileSync(`${out}/summary.json`, 'utf8'))).toEqual(summary);
    for (const f of summary.figures) expect(readFileSync(`${out}/${f.file}`).subarray(1, 4).toString()).toBe('PNG');
    const html = readFileSync(`${out}/report.html`, 'utf8');
    expect(html).toContain('salience audit');
    expect(html).toContain('Ankle boot');
  });

  it('summarises accuracy, per-class shares per region and the configuration', () => {
    expect(summary).toMatchObject({
      tool: 'salience',
      command: 'audit',
      ok: true,
      out: tmp.path('fresh'),
      classes: 10,
      models: [{ name: 'builtin', role: 'audited', builtin: true, format: 'tfjs-layers', layout: 'NHWC' }],
      datasets: [{ name: 'data', kind: 'images', count: 12, labelled: 12, labels: { kind: 'truth', file: `${data}/truth.csv` } }],
      chunks: { size: 5, total: 3, resumed: 0, computed: 3 },
      findings: [],
      comparisons: [],
    });
    expect(summary.configuration).toMatchObject({ explain: 'predicted', objective: 'logit', seed: 0, chunkSize: 5, corner: 0.25, border: null, region: null });
    expect(summary.configuration.methods.map((m) => [m.name, m.id])).toEqual([
      ['gradient', 'gradient'],
      ['gradcam', 'grad-cam'],
    ]);
    expect(Object.keys(summary.configuration.regions.gradient!)).toEqual(['top-left', 'top-right', 'bottom-left', 'bottom-right', 'border']);
    expect(summary.configuration.regions.gradient!['top-left']).toBeCloseTo(49 / 784, 10);
    const [group] = summary.groups;
    expect(group).toMatchObject({ model: 'builtin', dataset: 'data', count: 12, labelled: 12, correct: 12, accuracy: 1, confusion: [] });
    const shirts = group!.methods.gradient!.classes.find((c) => c.class === 6);
    expect(shirts).toMatchObject({ name: 'Shirt', count: 2 });
    const shares = Object.values(shirts?.shares ?? {});
    expect(shares).toHaveLength(5);
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0);
    expect(group!.methods.gradient!.correct?.['bottom-right']).toBeCloseTo(group!.methods.gradient!.all['bottom-right']!, 12);
    expect(summary.methodTimeMs.builtin!.gradient).toBeGreaterThan(0);
  });

  it('stops at once when interrupted, keeps the finished chunks, and resumes to the same result', async () => {
    const out = tmp.path('resumed');
    const controller = new AbortController();
    // Abort at the first model call after the first chunk is on disk.
    const interrupting = spyLoader(() => {
      if (existsSync(`${out}/.salience-audit/data-0000.m0.rec`)) controller.abort(new Error('interrupted'));
    });
    const stopped = await salience([...base, '--out', out], { signal: controller.signal, loadModel: interrupting });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`salience: Interrupted: 1 of 3 chunks are saved in ${out}/.salience-audit; run the same command again to resume.`);
    expect(readdirSync(`${out}/.salience-audit`).sort()).toEqual(['data-0000.m0.rec', 'run.json']);
    expect(existsSync(`${out}/summary.json`)).toBe(false);

    const counting = spyLoader();
    const resumed = await salience([...base, '--json', '--out', out], { loadModel: counting });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe(`note: resuming: 1 of 3 chunks done (in ${out}/.salience-audit).\n`);
    // Gradients for the 7 examples of the two chunks left, none for the 5 of the first.
    expect(counting.gradientRows).toBe(7);
    const again = resumed.json<AuditSummary>();
    expect(again.chunks).toEqual({ size: 5, total: 3, resumed: 1, computed: 2 });
    expect(results(again)).toEqual(results(summary));
    // The report shows the kept thumbnails and pictures: the same bytes as the uninterrupted run's.
    expect(readFileSync(`${out}/report.html`).equals(readFileSync(tmp.path('fresh', 'report.html')))).toBe(true);

    const lines = await salience([...base, '--no-progress', '--out', out], { loadModel: counting });
    expect(lines.code).toBe(0);
    expect(lines.stderr).toContain(`note: resuming: 3 of 3 chunks done (in ${out}/.salience-audit).`);
    expect(lines.stderr).toMatch(/\ndata {9}12 examples in [\d.]+ s \(3 chunks, 3 from the earlier run\)\n/);
    expect(counting.gradientRows).toBe(7);
    expect(lines.stdout).toContain('builtin on data: 12 examples, accuracy 100.0% (12/12)');
  });

  it('refuses another configuration in the same folder, naming --fresh, and starts over with --fresh', async () => {
    const out = tmp.path('changed');
    expect((await salience([...base, '--quiet', '--out', out])).code).toBe(0);
    const refused = await salience([...labelled, '--method', 'gradient', '--out', out]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toMatch(/holds an audit with another configuration \(methods changed\); give --fresh to discard it and start over/);
    const restarted = await salience([...labelled, '--method', 'gradient', '--fresh', '--json', '--out', out]);
    expect(restarted.code).toBe(0);
    expect(restarted.stderr).toMatch(/^note: --fresh: discarded the earlier audit/);
    const s = restarted.json<AuditSummary>();
    expect(s.chunks).toMatchObject({ resumed: 0, computed: 3 });
    expect(s.figures.map((f) => f.file)).toEqual(['class-means-builtin-data-gradient.png']);
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual(['class-means-builtin-data-gradient.png']);
    // --fresh with the same configuration computes everything again too.
    const again = await salience([...labelled, '--method', 'gradient', '--fresh', '--json', '--out', out]);
    expect(again.json<AuditSummary>().chunks).toMatchObject({ resumed: 0, computed: 3 });
  });

  it('recomputes a chunk whose file is damaged, with a note', async () => {
    const out = tmp.path('damaged');
    expect((await salience([...base, '--quiet', '--out', out])).code).toBe(0);
    const file = `${out}/.salience-audit/data-0001.m0.rec`;
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    const counting = spyLoader();
    const run = await salience([...base, '--json', '--out', out], { loadModel: counting });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/note: data-0001\.m0\.rec is unreadable \(.*\); computing that chunk again\./);
    expect(counting.gradientRows).toBe(5);
    expect(results(run.json<AuditSummary>())).toEqual(results(summary));
  });

  it('never writes into a folder that is not an audit output', async () => {
    mkdirSync(tmp.path('mine'));
    writeFileSync(tmp.path('mine', 'notes.txt'), 'keep');
    const run = await salience([...base, '--out', tmp.path('mine')]);
    expect(run.code).toBe(10);
    expect(run.stderr).toMatch(/exists and is not a salience audit output/);
    expect(readdirSync(tmp.path('mine'))).toEqual(['notes.txt']);
    const file = await salience([...base, '--out', tmp.path('mine', 'notes.txt')]);
    expect(file.code).toBe(10);
  });

  it('compares the same model with itself: similarity 1 on every example', async () => {
    const run = await salience([...base, '--compare-model', BUILTIN_MODEL, '--json', '--out', tmp.path('self')]);
    expect(run.code).toBe(0);
    const s = run.json<AuditSummary>();
    expect(s.models.map((m) => [m.name, m.role])).toEqual([
      ['builtin', 'audited'],
      ['builtin-2', 'compared'],
    ]);
    expect(s.comparisons.map((c) => [c.method, c.first, c.second, c.count])).toEqual([
      ['gradient', 'builtin', 'builtin-2', 12],
      ['gradcam', 'builtin', 'builtin-2', 12],
    ]);
    for (const c of s.comparisons) {
      expect(c.meanSimilarity).toBeCloseTo(1, 12);
      expect(c.agreement).toBe(1);
      for (const k of c.classes) expect(k.meanSimilarity).toBeCloseTo(1, 12);
    }
    expect(readdirSync(`${tmp.path('self')}/.salience-audit`)).toContain('data-0000.m1.rec');
    expect(s.groups.map((g) => [g.model, g.accuracy])).toEqual([
      ['builtin', 1],
      ['builtin-2', 1],
    ]);
  });

  it('compares the tfjs model with its ONNX export (NCHW), Grad-CAM on the layer of the same meaning', async () => {
    // tfjs's conv3 includes its ReLU; the ONNX export lists the convolution and the ReLU apart (relu_2).
    const onnx = ['--compare-model', BUILTIN_ONNX_MODEL, '--json'];
    const run = await salience([...base, ...onnx, '--compare-layer', 'relu_2', '--out', tmp.path('onnx')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const s = run.json<AuditSummary>();
    expect(s.models.map((m) => [m.name, m.format, m.layout, m.preprocessing?.layout])).toEqual([
      ['builtin', 'tfjs-layers', 'NHWC', 'NHWC'],
      ['model', 'onnx', 'NCHW', 'NCHW'],
    ]);
    expect(s.configuration.methods.find((m) => m.name === 'gradcam')?.options).toMatchObject({ relu: true });
    for (const c of s.comparisons) {
      expect(c.agreement).toBe(1);
      expect(c.meanSimilarity).toBeGreaterThan(0.99);
    }
    expect(readFileSync(tmp.path('onnx', 'report.html'), 'utf8')).toContain('Two models side by side');
    // On the convolution before its ReLU, the ONNX model's Grad-CAM maps differ: the comparison shows it.
    const preRelu = await salience([...base, ...onnx, '--out', tmp.path('onnx-conv3')]);
    const [gradient, gradcam] = preRelu.json<AuditSummary>().comparisons;
    expect(gradient!.meanSimilarity).toBeGreaterThan(0.99);
    expect(gradcam!.meanSimilarity).toBeLessThan(0.9);
  });

  it('audits unlabelled data: no accuracy, no correct/incorrect groups', async () => {
    const run = await salience(['audit', '--data', data, '--method', 'gradient', '--json', '--out', tmp.path('unlabelled')]);
    expect(run.code).toBe(0);
    const s = run.json<AuditSummary>();
    expect(s.datasets[0]).toMatchObject({ count: 12, labelled: 0, labels: { kind: 'none' } });
    expect(s.groups[0]).toMatchObject({ labelled: 0, correct: 0, accuracy: null, confusion: [] });
    expect(s.groups[0]!.methods.gradient!.correct).toBeUndefined();
    expect(s.groups[0]!.methods.gradient!.classes.reduce((n, c) => n + c.count, 0)).toBe(12);
  });

  it('sets clean data against shifted data, group by group', async () => {
    const run = await salience([...labelled, '--shifted', shifted, '--shifted-truth', `${shifted}/truth.txt`, '--method', 'gradient', '--no-progress', '--out', tmp.path('shift')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^clean {8}chunk 1\/3: examples 0\.\.4 in [\d.]+ m?s\n/m);
    expect(run.stderr).toMatch(/^shifted {6}chunk 3\/3: examples 10\.\.11 in /m);
    expect(run.stdout).toMatch(/builtin on clean: 12 examples, accuracy 100\.0% \(12\/12\)/);
    expect(run.stdout).toMatch(/builtin on shifted: 12 examples, accuracy [\d.]+% \(\d+\/12\)/);
    const s = JSON.parse(readFileSync(tmp.path('shift', 'summary.json'), 'utf8')) as AuditSummary;
    expect(s.datasets.map((d) => [d.name, d.count, d.labelled])).toEqual([
      ['clean', 12, 12],
      ['shifted', 12, 12],
    ]);
    expect(s.groups.map((g) => g.dataset)).toEqual(['clean', 'shifted']);
    // The clean group is the audit of the same data alone, and the stamp changes the shifted maps.
    const group = (dataset: string) => s.groups.find((g) => g.dataset === dataset)?.methods.gradient;
    expect(group('clean')).toEqual(summary.groups[0]!.methods.gradient);
    expect(group('shifted')?.all['bottom-right']).not.toBeCloseTo(group('clean')?.all['bottom-right'] ?? 0, 3);
    expect(
      readdirSync(tmp.path('shift'))
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(['class-means-builtin-clean-gradient.png', 'class-means-builtin-shifted-gradient.png']);
    expect(readFileSync(tmp.path('shift', 'report.html'), 'utf8')).toContain('shifted');
  });

  it('audits .npy tensors read a chunk at a time, with labels from a .npy, as it does the images', async () => {
    const images = samples.map((s) => decodePng(readFileSync(`${BUILTIN_DIR}${s.file}`)));
    const x = imagesToTensor(images, { width: 28, height: 28, channels: 'gray', layout: 'NHWC', range: [0, 1], mean: [0], std: [1] });
    writeFileSync(tmp.path('x.npy'), writeNpy(x));
    writeFileSync(tmp.path('y.npy'), writeNpy({ data: Float32Array.from(samples, (s) => s.label), shape: [12] }));
    const run = await salience(['audit', '--data', tmp.path('x.npy'), '--truth', tmp.path('y.npy'), '--chunk-size', '5', '--json', '--out', tmp.path('npy')]);
    expect(run.code).toBe(0);
    const s = run.json<AuditSummary>();
    expect(s.datasets[0]).toMatchObject({ kind: 'tensor', count: 12, labelled: 12 });
    expect(s.models[0]!.preprocessing).toBeNull();
    expect(s.groups[0]).toMatchObject({ accuracy: 1 });
    const byClass = (r: AuditSummary) => r.groups[0]!.methods.gradient!.classes.map((c) => [c.class, c.count, c.shares['bottom-right']]);
    const fromImages = byClass(summary);
    byClass(s).forEach(([c, n, share], i) => {
      expect([c, n]).toEqual(fromImages[i]!.slice(0, 2));
      expect(share).toBeCloseTo(fromImages[i]![2] as number, 6);
    });
    const preprocessing = await salience(['audit', '--data', tmp.path('x.npy'), '--mean', '0.5', '--out', tmp.path('npy-2')]);
    expect(preprocessing.code).toBe(2);
    expect(preprocessing.stderr).toMatch(/--mean apply to image inputs; a \.npy input is fed to the model as it is/);
  });

  it('refuses truth that does not fit, and options that do not fit together', async () => {
    writeFileSync(tmp.path('short.txt'), '1\n2\n');
    const count = await salience(['audit', '--data', data, '--truth', tmp.path('short.txt'), '--out', tmp.path('e1')]);
    expect(count.code).toBe(3);
    expect(count.stderr).toMatch(/The truth file .*short\.txt does not fit the data: it has 2 labels for 12 examples/);
    writeFileSync(tmp.path('range.txt'), `${samples.map((_, i) => (i === 3 ? 12 : 0)).join('\n')}\n`);
    const range = await salience(['audit', '--data', data, '--truth', tmp.path('range.txt'), '--out', tmp.path('e2')]);
    expect(range.code).toBe(3);
    expect(range.stderr).toMatch(/range\.txt gives 03-dress\.png the class 12, but the model has classes 0\.\.9/);
    const noData = await salience(['audit', '--out', tmp.path('e3')]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/Give the examples to audit with --data/);
    const label = await salience(['audit', '--data', data, '--explain', 'label', '--out', tmp.path('e4')]);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/--explain label explains each example's true class, and the data data has unlabelled examples/);
    const orphan = await salience(['audit', '--data', data, '--shifted-truth', tmp.path('short.txt'), '--out', tmp.path('e5')]);
    expect(orphan.code).toBe(2);
    const flag = await salience(['audit', '--data', data, '--samples', '8', '--out', tmp.path('e6')]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--samples applies to smoothgrad(, [a-z-]+)*, and no such method is chosen \(--method gradient,ig\)/);
    const region = await salience(['audit', '--data', data, '--region', '4,4,2,20', '--out', tmp.path('e7')]);
    expect(region.code).toBe(2);
    expect(region.stderr).toMatch(/--region must have bottom > top and right > left/);
    const corner = await salience(['audit', '--data', data, '--corner', '0.7', '--out', tmp.path('e8')]);
    expect(corner.code).toBe(2);
    for (const e of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']) expect(existsSync(tmp.path(e))).toBe(false);
  });
});
