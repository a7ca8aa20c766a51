import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The model that ships with the command: a small CNN trained on Fashion-MNIST
 * (tools/train-fashion-mnist.py), with a dozen test images. It lives in `builtin/` beside `src/`
 * and `dist/`, so the same relative URL works from sources and from the build.
 */
export const BUILTIN_DIR = fileURLToPath(new URL('../../builtin/', import.meta.url));

export const BUILTIN_MODEL = `${BUILTIN_DIR}model.json`;
export const BUILTIN_ONNX_MODEL = `${BUILTIN_DIR}model.onnx`;
export const BUILTIN_LABELS = `${BUILTIN_DIR}labels.txt`;

/**
 * The built-in model a command loads when no --model is given: the ONNX copy when any method
 * replaces backward rules (only a model whose gradient graph salience builds applies them), else
 * the tfjs model.
 */
export function builtinModelFor(methods: readonly { readonly needsBackwardRules?: readonly unknown[] }[]): string {
  return methods.some((m) => m.needsBackwardRules) ? BUILTIN_ONNX_MODEL : BUILTIN_MODEL;
}

export interface BuiltinSample {
  /** Absolute path of the 28x28 gray PNG. */
  readonly file: string;
  /** The true class. */
  readonly label: number;
  /** Index in the Fashion-MNIST test set. */
  readonly testIndex: number;
}

export interface BuiltinFacts {
  readonly testAccuracy: number;
  readonly parameters: number;
  readonly epochs: number;
}

export async function builtinSamples(): Promise<BuiltinSample[]> {
  const list = JSON.parse(await readFile(`${BUILTIN_DIR}samples.json`, 'utf8')) as { file: string; label: number; testIndex: number }[];
  return list.map((s) => ({ file: `${BUILTIN_DIR}${s.file}`, label: s.label, testIndex: s.testIndex }));
}

export async function builtinFacts(): Promise<BuiltinFacts> {
  return JSON.parse(await readFile(`${BUILTIN_DIR}training.json`, 'utf8')) as BuiltinFacts;
}
