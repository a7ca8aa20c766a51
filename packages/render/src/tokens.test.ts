import { OptionError, ShapeError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { rgbToAnsi256 } from './ansi-colour.js';
import { colormap, rgbToHex } from './colormap.js';
import { tokensToAnsi } from './token-ansi.js';
import { tokensToHtml } from './token-html.js';

const tokens = ['the', '<b>"film"</b>', '&', 'bad'];
const scores = [0, 0.5, -0.25, -1];

function backgrounds(html: string): string[] {
  return [...html.matchAll(/class="salience-token" style="background-color:(#[0-9a-f]{6});color:(#[0-9a-f]{6})/g)].map((m) => `${m[1]}/${m[2]}`);
}

describe('tokensToHtml', () => {
  it('escapes tokens and colours signed scores on the diverging map', () => {
    const html = tokensToHtml(tokens, scores);
    expect(html).toContain('&lt;b&gt;&quot;film&quot;&lt;/b&gt;');
    expect(html).toContain('>&amp;</span>');
    expect(html).not.toContain('<b>');
    const bwr = colormap('blue-white-red');
    expect(backgrounds(html)).toEqual([`${rgbToHex(bwr(0))}/#000000`, `${rgbToHex(bwr(0.5))}/#000000`, `${rgbToHex(bwr(-0.25))}/#000000`, '#053061/#ffffff']);
  });

  it('shows unsigned scores on white-to-red and adds a legend with the scale', () => {
    const html = tokensToHtml(['a', 'b'], [0, 2]);
    expect(backgrounds(html)).toEqual([`${rgbToHex(colormap('blue-white-red')(0))}/#000000`, '#67001f/#ffffff']);
    expect(html).toContain('class="salience-legend"');
    expect(html).toMatch(/<span>0<\/span>.*<span>2<\/span>/);
    const signed = tokensToHtml(['a', 'b'], [0, 2], { signed: true, legend: false });
    expect(signed).not.toContain('salience-legend');
  });

  it('takes a fixed scale, another colormap and a separator', () => {
    const html = tokensToHtml(['a', 'b'], [1, -1], { scale: 4, colormap: 'red-white-green', separator: '|', legend: false });
    const rwg = colormap('red-white-green');
    expect(backgrounds(html)).toEqual([`${rgbToHex(rwg(0.25))}/#000000`, `${rgbToHex(rwg(-0.25))}/#000000`]);
    expect(html).toContain('</span>|<span');
  });

  it('shows control characters and keeps the exact score in the tooltip', () => {
    const html = tokensToHtml(['\n', 'x'], [0.123, 0]);
    expect(html).toContain('>\\n</span>');
    expect(html).toContain('title="\\n: 0.123"');
  });

  it('rejects mismatched scores', () => {
    expect(() => tokensToHtml(['a'], [1, 2])).toThrow(ShapeError);
    expect(() => tokensToHtml(['a'], [1], { scale: -1 })).toThrow(OptionError);
  });
});

describe('tokensToAnsi', () => {
  it('paints 24-bit backgrounds with readable foregrounds and resets after each token', () => {
    const out = tokensToAnsi(['good', 'bad'], [1, -1], { legend: false });
    expect(out).toBe('\x1b[48;2;103;0;31m\x1b[38;2;255;255;255mgood\x1b[0m \x1b[48;2;5;48;97m\x1b[38;2;255;255;255mbad\x1b[0m');
  });

  it('uses the 256-colour palette when asked', () => {
    const out = tokensToAnsi(['a', 'b'], [0, 1], { colors: '256', legend: false });
    expect(out).toBe(`\x1b[48;5;231m\x1b[38;5;16ma\x1b[0m \x1b[48;5;${rgbToAnsi256([103, 0, 31])}m\x1b[38;5;231mb\x1b[0m`);
    expect(out).not.toContain(';2;');
  });

  it('adds a legend line with the scale', () => {
    const out = tokensToAnsi(['a'], [-0.5]);
    const [, legend] = out.split('\n') as [string, string];
    expect(legend.startsWith('-0.5 ')).toBe(true);
    expect(legend.endsWith(' +0.5')).toBe(true);
    expect(legend.split('\x1b[48;2;')).toHaveLength(17);
  });

  it('never lets a token emit its own escape sequences', () => {
    const out = tokensToAnsi(['\x1b[2J', 'ok\r\n'], [1, 0], { legend: false });
    expect(out).toContain('\\x1b[2J');
    expect(out).toContain('ok\\r\\n');
    // Only our own escapes: two colours and a reset per token.
    expect(out.split('\x1b')).toHaveLength(7);
    expect(() => tokensToAnsi(['a'], [1], { colors: '16' as never })).toThrow(OptionError);
  });
});

describe('rgbToAnsi256', () => {
  it('picks the nearest cube colour or gray', () => {
    expect(rgbToAnsi256([0, 0, 0])).toBe(16);
    expect(rgbToAnsi256([255, 255, 255])).toBe(231);
    expect(rgbToAnsi256([255, 0, 0])).toBe(196);
    expect(rgbToAnsi256([128, 128, 128])).toBe(244);
    expect(rgbToAnsi256([95, 135, 175])).toBe(16 + 36 * 1 + 6 * 2 + 3);
  });
});
