import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import type { AuditSummary } from '../audit/summary.js';
import type { ExplainSummary } from '../commands/explain-outputs.js';
import { writeNpy } from '../inputs/npy.js';
import { BUILTIN_DIR, BUILTIN_MODEL } from '../models/builtin.js';

// Modified backpropagation through `salience explain`: without --model the command loads the
// built-in model's ONNX copy (only ONNX models apply the rules); two of its samples.
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
    expect(Math.min(...maps['deep-lift'])).toBeLessThan(0);
    expect(Math.max(...maps['deep-lift'])).toBeGreaterThan(0);
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
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6);
    expect(Math.max(...a.map((v, i) => Math.abs(v - c[i])))).toBeGreaterThan(1e-4);

    const eps = await salience(['explain', '--json', ...INPUTS, '--method', 'lrp', '--lrp-epsilon', '0.01', '--out', tmp.path('eps')]);
    expect(eps.stderr).toBe('');
    expect(eps.json<ExplainSummary>().methods[0].meta).toMatchObject({ rules: 'epsilon', epsilon: 0.01 });
    const flat = await salience(['explain', '--json', ...INPUTS, '--method', 'lrp', '--lrp-composite', 'epsilon-plus-flat', '--out', tmp.path('flat')]);
    expect(flat.stderr).toBe('');
    expect(flat.json<ExplainSummary>().methods[0].meta).toMatchObject({ rules: 'epsilon-plus-flat' });
    const flatValues = (await readNpyFile(tmp.path('flat', 'lrp.npy'))).data;
    expect(flatValues.every(Number.isFinite)).toBe(true);

    const guided = await salience(['explain', '--json', ...INPUTS, '--method', 'guided-gradcam', '--upsample', 'bilinear', '--out', tmp.path('ggc')]);
    expect(guided.stderr).toBe('');
    const { meta } = guided.json<ExplainSummary>().methods[0];
    expect(meta).toMatchObject({ upsample: 'bilinear', layer: expect.any(String) });
    const early = await salience(['explain', '--json', ...INPUTS, '--method', 'guided-gradcam', '--layer', 'conv2', '--out', tmp.path('ggc-conv2')]);
    expect(early.stderr).toBe('');
    expect(early.json<ExplainSummary>().methods[0].meta).toMatchObject({ layer: 'conv2', upsample: 'nearest' });
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
    // Methods without backward rules keep the tfjs built-in model.
    const plain = await salience(['audit', '--json', '--data', data, '--method', 'gradient', '--out', tmp.path('audit-plain')]);
    expect(plain.code).toBe(0);
    expect(plain.json<AuditSummary>().models[0]).toMatchObject({ builtin: true, format: expect.not.stringMatching(/onnx/i) });
  }, 60_000);

  it('gives usage errors for bad flags', async () => {
    const cases: [string[], string][] = [
      [['--method', 'lrp', '--lrp-epsilon', '-1'], "--lrp-epsilon must be >= 0; got '-1'."],
      [['--method', 'lrp', '--lrp-epsilon', 'tiny'], "--lrp-epsilon must be a number; got 'tiny'."],
      [['--method', 'lrp', '--lrp-composite', 'gamma'], "--lrp-composite must be one of epsilon-plus-flat, epsilon-gamma-box, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat; got 'gamma'."],
      [['--method', 'lrp', '--lrp-rules', 'conv:gamma'], "--lrp-rules must be LAYER=RULE pairs separated by commas"],
      [['--method', 'lrp', '--lrp-composite', 'epsilon-plus', '--lrp-rules', 'conv=gamma'], 'Give --lrp-composite or --lrp-rules, not both'],
      [['--method', 'lrp', '--lrp-composite', 'epsilon-plus-flat', '--lrp-gamma', '0.5'], "--lrp-gamma is the gamma rule's, and --lrp-composite epsilon-plus-flat has no gamma rule"],
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
