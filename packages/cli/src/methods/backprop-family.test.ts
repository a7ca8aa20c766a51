import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lrp } from '@salience/modified-backprop';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import type { AuditSummary } from '../audit/summary.js';
import type { ExplainSummary } from '../commands/explain-outputs.js';
import { writeNpy } from '../inputs/npy.js';
import { BUILTIN_DIR, BUILTIN_MODEL } from '../models/builtin.js';
import { loadModelFile } from '../models/model-file.js';

// Modified backpropagation through `salience explain`: without --model the command loads the
// built-in model's ONNX copy (it applies every rule, LRP's too); two of its samples.
const INPUTS = ['--input', `${BUILTIN_DIR}samples/00-t-shirt-top.png`, `${BUILTIN_DIR}samples/02-pullover.png`];
const BACKPROP = ['guided-backprop', 'deconvnet', 'deep-lift', 'lrp', 'guided-gradcam'];

describe('salience explain --method with modified backpropagation', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('runs the five methods on the built-in ONNX model: finite signed maps, in the report', async () => {
    const run = await salience(['explain', '--json', ...INPUTS, '--method', BACKPROP.join(','), '--target', '3,1', '--out', tmp.path('all')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.json<ExplainSummary>();
    expect(summary.model).toMatchObject({ builtin: true, format: expect.stringMatching(/onnx/i) });
    expect(summary.methods.map((m) => m.name)).toEqual(BACKPROP);
    expect(summary.methods.map((m) => m.id)).toEqual(['guided-backprop', 'deconvnet', 'deep-lift', 'lrp', 'guided-grad-cam']);
    const html = readFileSync(tmp.path('all', 'report.html'), 'utf8');
    for (const title of ['Guided Backprop', 'Deconvnet', 'DeepLIFT', 'LRP', 'Guided Grad-CAM']) expect(html).toContain(title);
    const maps: Record<string, Float32Array> = {};
    for (const m of summary.methods) {
      expect(m.targets).toEqual([3, 1]);
      expect(m.shape.reduce((a, b) => a * b, 1)).toBe(2 * 28 * 28);
      expect(m.overlays).toHaveLength(2);
      const values = (await readNpyFile(tmp.path('all', m.file))).data;
      expect(values.every(Number.isFinite)).toBe(true);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0);
      maps[m.name] = values;
    }
    // Deconvnet's rule ignores the forward pass, so its map differs from Guided Backprop's; DeepLIFT and LRP are signed.
    expect(maps.deconvnet).not.toEqual(maps['guided-backprop']);
    expect(Math.min(...maps['deep-lift']!)).toBeLessThan(0);
    expect(Math.max(...maps['deep-lift']!)).toBeGreaterThan(0);
  }, 120_000);

  it('passes --baseline to deep-lift (a number or a .npy row), --lrp-epsilon and --lrp-composite to lrp, --layer to guided-gradcam', async () => {
    const row = tmp.path('row.npy');
    writeFileSync(row, writeNpy({ data: new Float32Array(784).fill(0.25), shape: [1, 28, 28] }));
    const fromFile = await salience(['explain', '--json', ...INPUTS, '--method', 'deep-lift', '--baseline', row, '--out', tmp.path('file')]);
    expect(fromFile.stderr).toBe('');
    const constant = await salience(['explain', '--json', ...INPUTS, '--method', 'deep-lift', '--baseline', '0.25', '--out', tmp.path('number')]);
    expect(constant.stderr).toBe('');
    const zero = await salience(['explain', '--json', ...INPUTS, '--method', 'deeplift', '--out', tmp.path('zero')]);
    expect(zero.code).toBe(0);
    const a = (await readNpyFile(tmp.path('file', 'deep-lift.npy'))).data;
    const b = (await readNpyFile(tmp.path('number', 'deep-lift.npy'))).data;
    const c = (await readNpyFile(tmp.path('zero', 'deep-lift.npy'))).data;
    // The same baseline either way; another baseline, another map.
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-6);
    expect(Math.max(...a.map((v, i) => Math.abs(v - c[i]!)))).toBeGreaterThan(1e-4);

    const eps = await salience(['explain', '--json', ...INPUTS, '--method', 'lrp', '--lrp-epsilon', '0.01', '--out', tmp.path('eps')]);
    expect(eps.stderr).toBe('');
    expect(eps.json<ExplainSummary>().methods[0]!.meta).toMatchObject({ rules: 'epsilon', epsilon: 0.01 });
    const flat = await salience(['explain', '--json', ...INPUTS, '--method', 'lrp', '--lrp-composite', 'epsilon-plus-flat', '--out', tmp.path('flat')]);
    expect(flat.stderr).toBe('');
    expect(flat.json<ExplainSummary>().methods[0]!.meta).toMatchObject({ rules: 'epsilon-plus-flat' });
    const flatValues = (await readNpyFile(tmp.path('flat', 'lrp.npy'))).data;
    expect(flatValues.every(Number.isFinite)).toBe(true);

    const guided = await salience(['explain', '--json', ...INPUTS, '--method', 'guided-gradcam', '--upsample', 'bilinear', '--out', tmp.path('ggc')]);
    expect(guided.stderr).toBe('');
    const { meta } = guided.json<ExplainSummary>().methods[0]!;
    expect(meta).toMatchObject({ upsample: 'bilinear', layer: expect.any(String) });
    const early = await salience(['explain', '--json', ...INPUTS, '--method', 'guided-gradcam', '--layer', 'conv2', '--out', tmp.path('ggc-conv2')]);
    expect(early.stderr).toBe('');
    expect(early.json<ExplainSummary>().methods[0]!.meta).toMatchObject({ layer: 'conv2', upsample: 'nearest' });
    // Another layer, another Grad-CAM factor.
    const late = (await readNpyFile(tmp.path('ggc', 'guided-gradcam.npy'))).data;
    const earlier = (await readNpyFile(tmp.path('ggc-conv2', 'guided-gradcam.npy'))).data;
    expect(earlier).not.toEqual(late);
    const unknown = await salience(['explain', ...INPUTS, '--method', 'guided-gradcam', '--layer', 'no-such-layer', '--out', tmp.path('ggc2')]);
    expect(unknown.code).toBe(5);
  }, 120_000);

  it('refuses a tfjs model with a message that asks for an ONNX model', async () => {
    // LRP's rules: ones a tfjs model does not apply (ReLU's and DeepLIFT's it does).
    const run = await salience(['explain', '--model', BUILTIN_MODEL, ...INPUTS, '--method', 'lrp', '--out', tmp.path('tfjs')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('lrp replaces backward rules (lrp-epsilon) that only an ONNX model applies; give --model file.onnx');
    // Methods chosen by default are unchanged: still the tfjs built-in model.
    const plain = await salience(['explain', '--json', ...INPUTS, '--method', 'gradient', '--out', tmp.path('plain')]);
    expect(plain.code).toBe(0);
    expect(plain.json<ExplainSummary>().model.format).not.toMatch(/onnx/i);
  }, 60_000);

  it('audits with them without --model on the built-in ONNX copy, as explain does; a tfjs --model is refused naming --model file.onnx', async () => {
    const data = tmp.path('data');
    mkdirSync(data);
    for (const file of ['00-t-shirt-top.png', '02-pullover.png']) copyFileSync(`${BUILTIN_DIR}samples/${file}`, `${data}/${file}`);
    // LRP's rules: ones a tfjs model does not apply.
    const refused = await salience(['audit', '--model', BUILTIN_MODEL, '--data', data, '--method', 'lrp', '--out', tmp.path('audit-tfjs')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('give --model file.onnx');
    const run = await salience(['audit', '--json', '--data', data, '--method', 'deconvnet,lrp', '--lrp-epsilon', '0.01', '--out', tmp.path('audit')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.json<AuditSummary>();
    expect(summary.models[0]).toMatchObject({ builtin: true, format: expect.stringMatching(/onnx/i) });
    expect(summary.figures.map((f) => f.method).sort()).toEqual(['deconvnet', 'lrp']);
    // EpsilonGammaBox's z-box bounds come from the audit's preprocessing (pixels 0 and 255 after --mean/--std), as in explain.
    const box = await salience([
      'audit',
      '--json',
      '--data',
      data,
      '--method',
      'lrp',
      '--lrp-composite',
      'EpsilonGammaBox',
      '--mean',
      '0.5',
      '--std',
      '0.25',
      '--out',
      tmp.path('audit-box'),
    ]);
    expect(box.stderr).toBe('');
    expect(box.code).toBe(0);
    // Methods without backward rules keep the tfjs built-in model.
    const plain = await salience(['audit', '--json', '--data', data, '--method', 'gradient', '--out', tmp.path('audit-plain')]);
    expect(plain.code).toBe(0);
    expect(plain.json<AuditSummary>().models[0]).toMatchObject({ builtin: true, format: expect.not.stringMatching(/onnx/i) });
  }, 60_000);

  it('gives usage errors for bad flags', async () => {
    const cases: [string[], string][] = [
      [['--method', 'lrp', '--lrp-epsilon', '-1'], "--lrp-epsilon must be >= 0; got '-1'."],
      [['--method', 'lrp', '--lrp-epsilon', 'tiny'], "--lrp-epsilon must be a number; got 'tiny'."],
      [
        ['--method', 'lrp', '--lrp-composite', 'gamma'],
        "--lrp-composite must be one of epsilon-plus-flat, epsilon-gamma-box, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat; got 'gamma'.",
      ],
      [['--method', 'lrp', '--lrp-rules', 'conv:gamma'], '--lrp-rules must be LAYER=RULE pairs separated by commas'],
      [['--method', 'lrp', '--lrp-composite', 'epsilon-plus', '--lrp-rules', 'conv=gamma'], 'Give --lrp-composite or --lrp-rules, not both'],
      [
        ['--method', 'lrp', '--lrp-composite', 'epsilon-plus-flat', '--lrp-gamma', '0.5'],
        "--lrp-gamma is the gamma rule's, and --lrp-composite epsilon-plus-flat has no gamma rule",
      ],
      [['--method', 'lrp', '--lrp-low', '0'], '--lrp-low set parameters of LRP rules per layer type: give --lrp-composite or --lrp-rules too'],
      [['--method', 'lrp', '--lrp-rules', 'first=z-box', '--lrp-low', '1', '--lrp-high', '0'], '--lrp-low must not exceed --lrp-high; channel 0 has 1 > 0.'],
      [['--method', 'deconvnet', '--lrp-gamma', '0.1'], '--lrp-gamma applies to lrp, and no such method is chosen'],
      [['--method', 'deconvnet', '--lrp-epsilon', '0.1'], '--lrp-epsilon applies to lrp, and no such method is chosen'],
      [['--method', 'guided-backprop', '--baseline', '0.5'], '--baseline applies to'],
      [['--method', 'deep-lift', '--baseline', 'blur'], '--baseline blur applies to ig or occlusion; deep-lift takes zero, a number or a .npy file'],
      [['--method', 'guided-gradcam', '--upsample', 'none'], '--upsample none does not apply to guided-gradcam'],
    ];
    for (const [args, message] of cases) {
      const run = await salience(['explain', ...INPUTS, ...args, '--out', tmp.path('bad')]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
  }, 60_000);
});

// smallcnn and Zennit's EpsilonGammaBox maps of it, copied from modified-backprop's fixtures by tools/make-cli-lrp-fixture.py.
const LRP_FIXTURE = fileURLToPath(new URL('../../test/fixtures/lrp-zennit/', import.meta.url));
const maxAbs = (values: ArrayLike<number>) => Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length) => {
  let most = 0;
  for (let i = from; i < to; i++) most = Math.max(most, Math.abs(a[i]! - b[i]!));
  return most;
};

describe("salience explain --method lrp with Zennit's composites and layer maps", () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());
  const reference = JSON.parse(readFileSync(`${LRP_FIXTURE}reference.json`, 'utf8')) as { options: { low: number; high: number }; target: number[] };
  const model = `${LRP_FIXTURE}model.onnx`;
  const input = `${LRP_FIXTURE}x.npy`;
  const { low, high } = reference.options;
  const explain = (out: string, ...args: string[]) =>
    salience(['explain', '--json', '--model', model, '--input', input, '--target', reference.target.join(','), '--method', 'lrp', ...args, '--out', tmp.path(out)]);

  it('--lrp-composite epsilon-gamma-box on smallcnn: the library API map within 1e-6, and Zennit within 1e-4 of each map max', async () => {
    const run = await explain('box', '--lrp-composite', 'epsilon-gamma-box', '--lrp-low', String(low), '--lrp-high', String(high));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [summary] = run.json<ExplainSummary>().methods;
    expect(summary!.meta).toMatchObject({ rules: 'epsilon-gamma-box', low, high, gamma: 0.25, epsilon: 1e-6 });
    const cli = readNpyFile(tmp.path('box', 'lrp.npy'));
    expect(cli.shape).toEqual([4, 1, 28, 28]);

    const x = readNpyFile(input);
    const loaded = await loadModelFile(model, { backend: 'wasm' });
    try {
      const library = await lrp.attribute(loaded.model, { data: x.data, shape: x.shape }, { target: reference.target, composite: 'epsilon-gamma-box', low, high });
      expect(maxDiff(cli.data, library.values.data)).toBeLessThan(1e-6);
      const layers = await lrp.attribute(
        loaded.model,
        { data: x.data, shape: x.shape },
        { target: reference.target, composite: { first: 'w-square', convolution: 'alpha1-beta0' }, epsilon: 0.01 },
      );
      const mapped = await explain('rules', '--lrp-rules', 'first=w-square,conv=alpha1-beta0', '--lrp-epsilon', '0.01');
      expect(mapped.code).toBe(0);
      expect(mapped.json<ExplainSummary>().methods[0]!.meta).toMatchObject({ rules: { first: 'w-square', convolution: 'alpha1-beta0' }, epsilon: 0.01 });
      const rules = readNpyFile(tmp.path('rules', 'lrp.npy')).data;
      expect(maxDiff(rules, layers.values.data)).toBeLessThan(1e-6);
      expect(maxDiff(rules, cli.data)).toBeGreaterThan(1e-3);
    } finally {
      loaded.dispose();
    }

    const zennit = readNpyFile(`${LRP_FIXTURE}zennit-epsilon-gamma-box.npy`).data;
    const size = 28 * 28;
    for (let n = 0; n < 4; n++) {
      const scale = maxAbs(zennit.subarray(n * size, (n + 1) * size));
      expect(scale).toBeGreaterThan(0);
      expect(maxDiff(cli.data, zennit, n * size, (n + 1) * size) / scale, `map ${n}`).toBeLessThan(1e-4);
    }
  }, 60_000);

  it('asks for --lrp-low and --lrp-high on a .npy input, which has no preprocessing to derive them from', async () => {
    const run = await explain('no-bounds', '--lrp-composite', 'epsilon-gamma-box');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--lrp-composite epsilon-gamma-box has the z-box rule, which needs the input's bounds: give --lrp-low and --lrp-high");
  }, 30_000);

  it('derives the z-box bounds of images from --mean and --std, says so in the output and the report, and runs as the explicit bounds do', async () => {
    const derived = await salience([
      'explain',
      '--json',
      ...INPUTS,
      '--method',
      'lrp',
      '--lrp-rules',
      'first=z-box,conv=gamma',
      '--mean',
      '0.5',
      '--std',
      '0.25',
      '--out',
      tmp.path('derived'),
    ]);
    expect(derived.code).toBe(0);
    expect(derived.stderr).toContain('lrp: z-box low and high: pixels 0 and 255 after the preprocessing (range 0..1, mean 0.5, std 0.25): --lrp-low -2 --lrp-high 2');
    const [summary] = derived.json<ExplainSummary>().methods;
    expect(summary!.meta).toMatchObject({ low: -2, high: 2, bounds: 'z-box low and high: pixels 0 and 255 after the preprocessing (range 0..1, mean 0.5, std 0.25)' });
    const html = readFileSync(tmp.path('derived', 'report.html'), 'utf8');
    expect(html).toMatch(/<span class="k">bounds<\/span> <code>z-box low and high: pixels 0 and 255 after the preprocessing/);
    const given = await salience([
      'explain',
      '--json',
      ...INPUTS,
      '--method',
      'lrp',
      '--lrp-rules',
      'first=z-box,conv=gamma',
      '--lrp-low',
      '-2',
      '--lrp-high',
      '2',
      '--mean',
      '0.5',
      '--std',
      '0.25',
      '--out',
      tmp.path('given'),
    ]);
    expect(given.stderr).toBe('');
    expect(given.json<ExplainSummary>().methods[0]!.meta).not.toHaveProperty('bounds');
    const a = readNpyFile(tmp.path('derived', 'lrp.npy')).data;
    const b = readNpyFile(tmp.path('given', 'lrp.npy')).data;
    expect(maxAbs(a)).toBeGreaterThan(0);
    expect(maxDiff(a, b)).toBe(0);
  }, 60_000);
});
