import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TensorData } from '@salience/core';
import { type FixtureArray, parseFixtureArrays } from '@salience/testing';

/** The zoo's image models (input `pixel_values`, NCHW), as `tools/export-zoo.py` writes them. */
export const ZOO_IMAGE_MODELS = ['resnet', 'mobilenetv2', 'mobilenetv2-tf', 'efficientnet', 'convnext', 'regnet', 'vit', 'deit', 'swin', 'mobilevit'] as const;

/** The zoo's text classifiers: input_ids + attention_mask (+ token_type_ids), and one ids-only export. */
export const ZOO_TEXT_MODELS = ['distilbert', 'distilbert-ids', 'bert', 'roberta', 'gpt2'] as const;

export type ZooImageModel = (typeof ZOO_IMAGE_MODELS)[number];
export type ZooTextModel = (typeof ZOO_TEXT_MODELS)[number];
export type ZooModelName = ZooImageModel | ZooTextModel;

/** One expected result: the float64 Captum result and how far Captum's own float32 run is from it. */
export interface ZooCase extends FixtureArray {
  /** Captum's float32 result for the same case. */
  readonly f32: FixtureArray;
  /** max|f32 - f64| / max|f64|: Captum's own float32 noise on this case. */
  readonly f32Distance: number;
}

export interface ZooModel {
  readonly name: ZooModelName;
  readonly kind: 'image' | 'text';
  /** model.onnx on disk, exactly as torch.onnx.export wrote it. */
  readonly modelPath: string;
  /** The explained input: `pixel_values` [2, 3, H, W] or `input_ids` [2, T] (ids as floats). */
  readonly input: FixtureArray;
  /** The other graph inputs of a text model (attention_mask, token_type_ids), one row per example. */
  readonly context: Readonly<Record<string, TensorData>>;
  readonly target: number[];
  /** Every expected case by name (`gradient`, `ig_gausslegendre_16`, `token_ig`...), float64 references. */
  readonly cases: Readonly<Record<string, ZooCase>>;
  /** The manifest's top-level fields: `inputs`, `gradcamLayer`, `gradcamTensor`, `padTokenId`, `captumIg50Seconds`... */
  readonly meta: Readonly<Record<string, unknown>>;
}

const zooUrl = (name: string, file: string) => new URL(`./zoo/${name}/${file}`, import.meta.url);

/** Reads a zoo model's manifest and arrays; the `<case>_f32` arrays are attached to their case. */
export async function loadZooModel(name: ZooModelName): Promise<ZooModel> {
  const [manifest, bin] = await Promise.all([readFile(zooUrl(name, 'cases.json'), 'utf8'), readFile(zooUrl(name, 'cases.bin'))]);
  const { arrays, meta } = parseFixtureArrays(manifest, bin);
  const kind = meta.kind === 'text' ? 'text' : 'image';
  const inputs = meta.inputs as string[];
  const cases: Record<string, ZooCase> = {};
  for (const [key, value] of Object.entries(arrays)) {
    const f32 = arrays[`${key}_f32`];
    if (!f32) continue;
    const f32Distance = value.extra.f32Distance;
    if (typeof f32Distance !== 'number') throw new Error(`zoo/${name}: case '${key}' has no f32Distance.`);
    cases[key] = { ...value, f32, f32Distance };
  }
  const context: Record<string, TensorData> = {};
  for (const companion of inputs.slice(1)) context[companion] = arrays[companion]!;
  return {
    name,
    kind,
    modelPath: fileURLToPath(zooUrl(name, 'model.onnx')),
    input: arrays[inputs[0]!]!,
    context,
    target: Array.from(arrays.target!.data),
    cases,
    meta,
  };
}
