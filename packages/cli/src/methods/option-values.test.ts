import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { parseBox } from '../program.js';
import { parseSize, parseTokenGrid, parseWindow } from './option-values.js';

/** The usage error (exit 2) a parser throws, for its message. */
function refusal(parse: () => unknown): CliError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).kind).toBe('usage');
    return error as CliError;
  }
  throw new Error('expected a usage error');
}

describe('sizes are height x width (--resize, --crop)', () => {
  it('reads N, a square NxN and h=H,w=W (either order, long names) as [height, width]', () => {
    expect(parseSize('224', '--resize')).toEqual([224, 224]);
    expect(parseSize('28x28', '--resize')).toEqual([28, 28]);
    expect(parseSize('28,28', '--crop')).toEqual([28, 28]);
    expect(parseSize('h=160,w=224', '--resize')).toEqual([160, 224]);
    expect(parseSize('w=224,h=160', '--resize')).toEqual([160, 224]);
    expect(parseSize(' height = 160 , width = 224 ', '--crop')).toEqual([160, 224]);
    expect(parseSize('H=3,W=5', '--crop')).toEqual([3, 5]);
  });

  it('refuses a plain AxB with A != B, which meant width x height up to 0.1, naming both explicit spellings', () => {
    for (const text of ['224x160', '224X160', '224,160']) {
      const { message } = refusal(() => parseSize(text, '--resize'));
      expect(message).toContain('salience 0.1 read this as width 224 x height 160');
      expect(message).toContain('--resize h=160,w=224 for that');
      expect(message).toContain('--resize h=224,w=160 for height 224 and width 160');
    }
    expect(refusal(() => parseSize('40x30', '--crop')).message).toContain('--crop h=30,w=40');
  });

  it.each([
    ['0', /must be an integer >= 1/],
    ['8x', /must be an integer >= 1/],
    ['1x2x3', /must be N, HxW with H = W, or h=H,w=W/],
    ['h=160', /must name both sides as h=H,w=W/],
    ['h=1,h=2', /names the height twice/],
    ['w=1,width=2', /names the width twice/],
    ['h=0,w=4', /must be an integer >= 1/],
    ['h=2.5,w=4', /must be an integer >= 1/],
    ['x=1,y=2', /must name both sides as h=H,w=W/],
  ])('refuses %s', (text, message) => {
    expect(refusal(() => parseSize(text, '--resize')).message).toMatch(message);
  });
});

describe('occlusion windows are height x width (--window, --stride)', () => {
  it('reads N, HxW, h=H,w=W and one size per dimension', () => {
    expect(parseWindow('4', '--window')).toBe(4);
    expect(parseWindow('2x5', '--window')).toEqual([2, 5]);
    expect(parseWindow('h=2,w=5', '--stride')).toEqual([2, 5]);
    expect(parseWindow('w=5,h=2', '--stride')).toEqual([2, 5]);
    expect(parseWindow('1,2,5', '--window')).toEqual([1, 2, 5]);
  });

  it('refuses half-named and malformed forms', () => {
    expect(refusal(() => parseWindow('w=5', '--window')).message).toMatch(/--window must name both sides as h=H,w=W/);
    expect(refusal(() => parseWindow('3x', '--window')).message).toMatch(/--window must be an integer >= 1/);
  });
});

describe('the token grid is height x width (--token-grid)', () => {
  it('reads HxW and HxW+P', () => {
    expect(parseTokenGrid('2x7', '--token-grid')).toEqual({ height: 2, width: 7, prefixTokens: 0 });
    expect(parseTokenGrid('14x14+1', '--token-grid')).toEqual({ height: 14, width: 14, prefixTokens: 1 });
  });
});

describe('boxes are top,left,bottom,right (--region)', () => {
  it('reads the rows first, or each side by name in any order', () => {
    expect(parseBox('2,3,20,24', '--region')).toEqual({ top: 2, left: 3, bottom: 20, right: 24 });
    expect(parseBox('left=3,top=2,right=24,bottom=20', '--region')).toEqual({ top: 2, left: 3, bottom: 20, right: 24 });
    expect(parseBox('TOP=2, Left=3, bottom=20, right=24', '--region')).toEqual({ top: 2, left: 3, bottom: 20, right: 24 });
  });

  it('refuses boxes with a side missing or named twice, and inverted boxes', () => {
    expect(refusal(() => parseBox('top=2,left=3,bottom=20,top=4', '--region')).message).toMatch(/must name each side once/);
    expect(refusal(() => parseBox('x0=2,y0=3,x1=20,y1=24', '--region')).message).toMatch(/must name each side once/);
    expect(refusal(() => parseBox('left=2,top=3,right=1,bottom=24', '--region')).message).toMatch(/bottom > top and right > left/);
  });
});
