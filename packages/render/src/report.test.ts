import { type Attribution, OptionError, ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { colormap } from './colormap.js';
import { createImage } from './image.js';
import { decodePng } from './png.js';
import { htmlReport, type ReportInput } from './report.js';
import { formatNumber } from './report-values.js';

const image = createImage(4, 4, [200, 100, 50, 255]);

function imageAttribution(overrides: Partial<Attribution> = {}): Attribution {
  return {
    method: 'integrated-gradients',
    values: tensor(
      Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => Math.sin(i)),
      [2, 3, 4, 4],
    ),
    layout: 'NCHW',
    examples: Int32Array.of(0, 1),
    targets: Int32Array.of(2, 0),
    meta: { steps: 50, method: 'gausslegendre', timeMs: 12.5, convergenceDelta: Float32Array.of(0.00123, -0.5), window: [3, 6, 6] },
    ...overrides,
  };
}

function baseReport(): ReportInput {
  return {
    title: 'Cats & <dogs>',
    subtitle: 'model "small"',
    info: { backend: 'cpu', steps: 50 },
    classNames: ['cat', 'dog', '<script>alert(1)</script>'],
    examples: [
      { image, name: 'first', label: 2, logits: [0, 1, 3] },
      { image, label: 'dog', probabilities: [0.7, 0.2, 0.1] },
    ],
    methods: [
      { name: 'Integrated gradients', attribution: imageAttribution(), display: { sign: 'all' } },
      {
        attribution: {
          method: 'grad-cam',
          values: tensor([0, 1, 2, 3], [1, 1, 2, 2]),
          layout: 'NCHW',
          examples: Int32Array.of(1),
          targets: Int32Array.of(1),
          meta: { layer: 'conv<3>' },
        },
      },
    ],
  };
}

function dataUris(html: string): string[] {
  return [...html.matchAll(/src="(data:image\/png;base64,[^"]+)"/g)].map((m) => m[1]!);
}

describe('htmlReport', () => {
  it('is one self-contained page: inline CSS, data: images, no scripts or remote URLs', () => {
    const html = htmlReport(baseReport());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
    // Every src is a data: URI: 2 inputs, 2 rows x (heatmap + overlay), 1 row x (heatmap + overlay),
    // and the overview's thumbnails: 2 inputs and 3 (example, method) cells.
    const sources = [...html.matchAll(/src="([^"]*)"/g)].map((m) => m[1]);
    expect(sources).toHaveLength(2 + 4 + 2 + 5);
    expect(sources.every((s) => s!.startsWith('data:image/png;base64,'))).toBe(true);
  });

  it('embeds decodable images at the input size', () => {
    const html = htmlReport(baseReport());
    for (const uri of dataUris(html)) {
      const decoded = decodePng(new Uint8Array(Buffer.from(uri.split(',')[1]!, 'base64')));
      expect([decoded.width, decoded.height]).toEqual([4, 4]);
    }
    const input = decodePng(new Uint8Array(Buffer.from(dataUris(html)[0]!.split(',')[1]!, 'base64')));
    expect(Array.from(input.data.slice(0, 4))).toEqual([200, 100, 50, 255]);
  });

  it('escapes every piece of text', () => {
    const html = htmlReport(baseReport());
    expect(html).toContain('<title>Cats &amp; &lt;dogs&gt;</title>');
    expect(html).toContain('model &quot;small&quot;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('conv&lt;3&gt;');
    expect(html).not.toContain('<dogs>');
  });

  it('lists top-k predictions as probabilities and marks the true class', () => {
    const html = htmlReport({ ...baseReport(), topK: 2 });
    // softmax([0, 1, 3]) = [0.0420, 0.1142, 0.8438].
    expect(html).toContain('Top 2 predictions');
    expect(html).toMatch(/class="pred true">.*?&lt;script&gt;.*?84\.38%/);
    expect(html).toContain('11.42%');
    expect(html).not.toContain('4.20%');
    expect(html).toContain('70.00%');
    expect(html).toContain('badge ok">predicted: &lt;script&gt;');
    expect(html).toContain('badge bad">predicted: cat');
  });

  it('shows per method its time, parameters, convergence delta per row and target', () => {
    const html = htmlReport(baseReport());
    expect(html).toContain('12.5 ms');
    // Completeness: f(x) - f(baseline) = sum - delta; the delta also as a share of it.
    const rowSum = (r: number) => Array.from({ length: 48 }, (_, i) => Math.sin(r * 48 + i)).reduce((a, b) => a + b, 0);
    const gap0 = rowSum(0) - 0.00123;
    expect(html).toContain(
      `<dt>f(x) − f(baseline)</dt><dd>${formatNumber(gap0)}</dd><dt>convergence Δ</dt><dd>0.00123 (${formatNumber(Number(((0.00123 / gap0) * 100).toPrecision(2)))}%)</dd>`,
    );
    const gap1 = rowSum(1) + 0.5;
    expect(html).toContain(
      `<dt>f(x) − f(baseline)</dt><dd>${formatNumber(gap1)}</dd><dt>convergence Δ</dt><dd>-0.5 (${formatNumber(Number(((0.5 / Math.abs(gap1)) * 100).toPrecision(2)))}%)</dd>`,
    );
    expect(html).toContain('<span class="k">steps</span> <code>50</code>');
    // Lists are folded under "other settings".
    expect(html).toMatch(/<details><summary>other settings \(1\)<\/summary><div class="chips"><span class="chip"><span class="k">window<\/span> <code>\[3, 6, 6\]<\/code>/);
    expect(html).not.toContain('<span class="k">timeMs</span>');
    expect(html).toContain('target 2 · &lt;script&gt;alert(1)&lt;/script&gt; · p = 0.8438');
    expect(html).toContain('target 1 · dog · p = 0.2');
    // Example 1 has one row of integrated gradients; example 2 one of each method.
    expect(html.match(/class="method"/g)).toHaveLength(3);
  });

  it('starts with an overview grid: examples x methods, each cell linking to the example', () => {
    const html = htmlReport(baseReport());
    const overview = html.slice(html.indexOf('<h2>Overview</h2>'), html.indexOf('</table>', html.indexOf('<h2>Overview</h2>')));
    expect(html.indexOf('<h2>Overview</h2>')).toBeLessThan(html.indexOf('<h2>Methods</h2>'));
    expect(overview).toContain('<th>Integrated gradients</th><th>grad-cam</th>');
    // Example 1 has no Grad-CAM row: an empty cell; example 2 links both methods to its section.
    expect(overview.match(/href="#example-1"/g)).toHaveLength(2);
    expect(overview.match(/href="#example-2"/g)).toHaveLength(3);
    expect(overview).toContain('<td class="none">—</td>');
    expect(overview).toContain('title="grad-cam, dog"');
    expect(html).toContain('<section class="card" id="example-1">');
    expect(html).toContain('<section class="card" id="example-2">');
  });

  it('puts methods side by side, and labels colorbars in raw units in plain words', () => {
    const html = htmlReport(baseReport());
    expect(html.match(/<div class="method-grid"/g)).toHaveLength(2);
    expect(html).not.toContain('cumulative mass');
    // Grad-CAM's values [0, 1, 2, 3]: the 98% mass is reached at 3, so full colour is at 3.
    expect(html).toContain('<div class="ticks"><span>0</span><span>1.5</span><span>3</span></div>');
    expect(html).toContain('|attribution| per pixel; full colour at 3');
    expect(html).toMatch(/attribution per pixel, summed over channels; full colour at ±0\.\d+, white at 0/);
  });

  it('shows the parameters the user chose and folds the rest', () => {
    const report = baseReport();
    const chosen = { ...report, methods: [{ ...report.methods[0]!, chosen: ['window'] }] };
    const html = htmlReport(chosen);
    const summary = html.slice(html.indexOf('<h2>Methods</h2>'), html.indexOf('</table>', html.indexOf('<h2>Methods</h2>')));
    expect(summary).toMatch(
      /<td><div class="chips"><span class="chip"><span class="k">window<\/span> <code>\[3, 6, 6\]<\/code><\/span><\/div><details><summary>other settings \(2\)<\/summary>/,
    );
  });

  it('draws a legend per colormap used, as CSS gradients', () => {
    const html = htmlReport(baseReport());
    expect(html).toContain('Colour scales');
    expect(html).toContain('<span class="name">blue-white-red</span>');
    expect(html).toContain('<span class="name">inferno</span>');
    expect(html).toContain('#053061 0%');
    expect(html).toContain(
      `linear-gradient(to right, #${colormap('inferno')
        .lut.slice(0, 3)
        .reduce((s, c) => s + c.toString(16).padStart(2, '0'), '')} 0%`,
    );
  });

  it('renders token and feature attributions', () => {
    const html = htmlReport({
      classNames: ['neg', 'pos'],
      featureNames: ['age', 'income'],
      examples: [{ tokens: ['not', '<good>'], logits: [0, 1] }],
      methods: [
        {
          attribution: {
            method: 'token-ig',
            values: tensor([-1, 2], [1, 2]),
            layout: 'NT',
            examples: Int32Array.of(0),
            targets: Int32Array.of(1),
            meta: { convergenceDelta: 0.01 },
          },
        },
        {
          attribution: {
            method: 'tabular',
            values: tensor([0.5, -2], [1, 2]),
            layout: 'NC',
            examples: Int32Array.of(0),
            targets: Int32Array.of(1),
            meta: {},
          },
        },
      ],
    });
    expect(html).toContain('&lt;good&gt;</span>');
    expect(html).toContain('#67001f');
    expect(html).toContain('<dt>convergence Δ</dt><dd>0.01 (1%)</dd>');
    expect(html).toMatch(/<td>income<\/td><td class="num">-2<\/td>.*<td>age<\/td>/);
  });

  it('says when there is nothing to show and rejects malformed input', () => {
    const empty = htmlReport({ examples: [], methods: [] });
    expect(empty).toContain('No examples.');
    expect(empty).toContain('No methods.');
    expect(() => htmlReport({} as ReportInput)).toThrow(OptionError);
    expect(() => htmlReport({ ...baseReport(), imageSize: 0 })).toThrow(OptionError);
    const tokensWithoutText: ReportInput = {
      examples: [{}],
      methods: [
        {
          attribution: {
            method: 't',
            values: tensor([1], [1, 1]),
            layout: 'NT',
            examples: Int32Array.of(0),
            targets: Int32Array.of(0),
            meta: {},
          },
        },
      ],
    };
    expect(() => htmlReport(tokensWithoutText)).toThrow(/examples\[0\]\.tokens/);
    const orphan = { ...baseReport(), examples: [{ image }] };
    expect(() => htmlReport(orphan)).toThrow(/row 1 explains example 1, but the report has 1 examples/);
    expect(htmlReport({ examples: [{ logits: [] }], methods: [] })).not.toContain('Top ');
    const badShape = { ...baseReport(), methods: [{ attribution: imageAttribution({ values: tensor([1, 2], [1, 2]) }) }] };
    expect(() => htmlReport(badShape)).toThrow(ShapeError);
  });
});
