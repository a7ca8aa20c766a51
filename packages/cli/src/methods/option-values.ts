import type { Objective, Target } from '@salience/core';
import { usageError } from '../cli-error.js';

/** Parsers for option values: each names the flag and shows the value it rejects. */

export function parseNumber(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw usageError(`${flag} must be a number; got '${text}'.`);
  return value;
}

export function parseInteger(text: string, flag: string, least: number): number {
  const value = Number(text);
  if (!/^[+]?\d+$/.test(text.trim()) || value < least) throw usageError(`${flag} must be an integer >= ${least}; got '${text}'.`);
  return value;
}

export function parseNumberList(text: string, flag: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw usageError(`${flag} must be numbers separated by commas; got '${text}'.`);
  return parts.map((p) => parseNumber(p, flag));
}

/**
 * Sizes and boxes on the command line are height before width everywhere, as in NCHW/NHWC tensors:
 * `--resize`, `--crop`, `--window`, `--stride` and `--token-grid` take HxW, `--region` takes
 * top,left,bottom,right. `h=H,w=W` (either order, or height=/width=) says it outright.
 */
const KEYED_SIZE = /^\s*(h|height|w|width)\s*=\s*(\S+?)\s*,\s*(h|height|w|width)\s*=\s*(\S+?)\s*$/i;

/** 'h=160,w=224' (either order) as [height, width], or null when the text is not in this form. */
function keyedSize(text: string, flag: string): [height: number, width: number] | null {
  const match = KEYED_SIZE.exec(text);
  if (!match) {
    if (/[=]/.test(text)) throw usageError(`${flag} must name both sides as h=H,w=W, e.g. h=160,w=224; got '${text}'.`);
    return null;
  }
  const first = match[1]![0]!.toLowerCase();
  if (first === match[3]![0]!.toLowerCase()) throw usageError(`${flag} names ${first === 'h' ? 'the height' : 'the width'} twice; write h=H,w=W; got '${text}'.`);
  const a = parseInteger(match[2]!, flag, 1);
  const b = parseInteger(match[4]!, flag, 1);
  return first === 'h' ? [a, b] : [b, a];
}

/**
 * --resize and --crop: '224' (square), '224x224', or 'h=160,w=224', as [height, width]. Up to
 * 0.1, '224x160' (and '224,160') meant width x height; read as height x width it would silently
 * give another size, so two different plain numbers are refused with both explicit spellings.
 */
export function parseSize(text: string, flag: string): [height: number, width: number] {
  const keyed = keyedSize(text, flag);
  if (keyed) return keyed;
  const parts = text.split(/[x,]/i).map((p) => p.trim());
  if (parts.length > 2) throw usageError(`${flag} must be N, HxW with H = W, or h=H,w=W, e.g. 224 or h=160,w=224; got '${text}'.`);
  const [a, b] = parts.map((p) => parseInteger(p, flag, 1)) as [number, number];
  if (b === undefined || a === b) return [a, a];
  throw usageError(
    `${flag} ${text.trim()} is ambiguous: sizes are height x width (as --window and NCHW tensors), but salience 0.1 read this as width ${a} x height ${b}. ` +
      `Write ${flag} h=${b},w=${a} for that (width ${a}, height ${b}), or ${flag} h=${a},w=${b} for height ${a} and width ${b}.`,
  );
}

/** '4' (square), '4x4' or 'h=4,w=8' (height x width), or '1,4,4' (one size per dimension of an example). */
export function parseWindow(text: string, flag: string): number | number[] {
  const keyed = keyedSize(text, flag);
  if (keyed) return keyed;
  const parts = text.split(/[x,]/i).map((p) => p.trim());
  const sizes = parts.map((p) => parseInteger(p, flag, 1));
  return (sizes.length === 1 ? sizes[0] : sizes)!;
}

/** '0.1' is an absolute standard deviation; '15%' a fraction of each example's value range. */
export function parseStdev(text: string, flag: string): number | { relative: number } {
  const relative = /^(.*)%$/.exec(text.trim());
  const value = parseNumber((relative ? relative[1] : text)!, flag);
  if (value < 0) throw usageError(`${flag} must be >= 0; got '${text}'.`);
  return relative ? { relative: value / 100 } : value;
}

export function parseRange(text: string, flag: string): [number, number] {
  const values = parseNumberList(text.replace(/\.\.|:/, ','), flag);
  if (values.length !== 2 || !(values[1]! > values[0]!)) throw usageError(`${flag} must be LOW,HIGH with LOW < HIGH, e.g. 0,1 or -1,1; got '${text}'.`);
  return [values[0]!, values[1]!];
}

export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!choices.includes(text as T)) throw usageError(`${flag} must be one of ${choices.join(', ')}; got '${text}'.`);
  return text as T;
}

const OBJECTIVES = ['logit', 'probability', 'log-probability'] as const;

export function parseObjective(text: string): Objective {
  return parseChoice(text, '--objective', OBJECTIVES);
}

/** A class given as an index, or as a name from --labels (case-insensitive). */
function parseClass(text: string, classNames: readonly string[] | undefined): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const index = classNames?.findIndex((name) => name.toLowerCase() === trimmed.toLowerCase()) ?? -1;
  if (index >= 0) return index;
  const known = classNames ? ` Known class names: ${classNames.join(', ')}.` : ' Class names need --labels.';
  throw usageError(`--target: '${trimmed}' is not a class index or a class name.${known}`);
}

/**
 * --target forms: 'predicted'; 'top3' (each example's 3 best classes); '3' (class 3 for every
 * example); '3,1,4' (one class per example); 'classes:3,5' (every example for each of these).
 * Classes may be names from --labels.
 */
export function parseTarget(text: string, classNames?: readonly string[]): Target {
  const trimmed = text.trim();
  if (trimmed === 'predicted') return 'predicted';
  const top = /^top-?(\d+)$/i.exec(trimmed);
  if (top) {
    const k = Number(top[1]);
    if (k < 1) throw usageError(`--target top${top[1]}: k must be at least 1.`);
    return { topK: k };
  }
  const each = /^classes:(.*)$/i.exec(trimmed);
  if (each) return { classes: each[1]!.split(',').map((c) => parseClass(c, classNames)) };
  if (trimmed === '') throw usageError("--target is empty; give 'predicted', 'top3', a class, or one class per example.");
  const classes = trimmed.split(',').map((c) => parseClass(c, classNames));
  return (classes.length === 1 ? classes[0] : classes)!;
}

/** --token-grid: 'HxW' (no prefix tokens) or 'HxW+P' (P tokens before the grid: a ViT's class token is 1). */
export function parseTokenGrid(text: string, flag: string): { height: number; width: number; prefixTokens: number } {
  const match = /^\s*(\d+)\s*x\s*(\d+)\s*(?:\+\s*(\d+))?\s*$/i.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1)
    throw usageError(`${flag} must be HxW or HxW+P (P tokens before the grid, e.g. 14x14+1 for a ViT's class token); got '${text}'.`);
  return { height: Number(match[1]), width: Number(match[2]), prefixTokens: Number(match[3] ?? 0) };
}
