import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AbortError, type Attribution, type TensorData } from '@salience/core';
import { occlusion } from '@salience/occlusion';
import type { OrtModule } from '@salience/onnx';
import { loadTextClassifier, type TextClassifier, type TextPrediction } from '@salience/text';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { readTextsFile, type TextExample } from '../inputs/texts.js';
import { formatDuration } from '../outputs/duration.js';
import { createProgress, progressMode } from '../outputs/progress.js';
import { checkOutputFolder, stageOutput } from '../outputs/staged-output.js';
import { type TextRun, type TextRunSummary, textLines, writeTextOutputs } from '../outputs/text-outputs.js';
import type { ExplainFlags } from '../program.js';

/** The methods of `salience explain --text`: one score per token. */
export const TEXT_METHODS = ['gradient', 'grad-x-embedding', 'ig', 'ig-mask', 'occlusion'] as const;
export type TextMethodName = (typeof TEXT_METHODS)[number];

export const TEXT_METHOD_DESCRIPTIONS: Readonly<Record<TextMethodName, string>> = {
  gradient: 'L2 norm of the gradient of the target logit w.r.t. each token embedding (unsigned)',
  'grad-x-embedding': 'gradient x embedding, summed over the embedding dimension (signed)',
  ig: 'integrated gradients on the embeddings from the pad-token baseline, summed over D (signed)',
  'ig-mask': 'integrated gradients on the embeddings from the mask-token baseline, summed over D (signed)',
  occlusion: 'token occlusion: drop of the target logit when a window of tokens is replaced (signed, forward-only)',
};

/** The text methods that need gradients (a quantized model cannot run them). */
export const GRADIENT_METHODS: readonly TextMethodName[] = ['gradient', 'grad-x-embedding', 'ig', 'ig-mask'];

/** Flags of `salience explain` that the text path adds. */
export interface TextFlags {
  readonly text?: string[];
  readonly texts?: string;
  readonly tokenizer?: string;
}

/** Whether `salience explain` was asked to explain texts: text options, or a model folder with a tokenizer.json. */
export function isTextInvocation(flags: ExplainFlags & TextFlags): boolean {
  if ((flags.text?.length ?? 0) > 0 || flags.texts !== undefined || flags.tokenizer !== undefined) return true;
  return flags.model !== undefined && existsSync(join(flags.model, 'tokenizer.json'));
}

export async function importOnnxRuntime(): Promise<OrtModule> {
  const name = 'onnxruntime-node'; // optional: named through a variable so nothing requires it
  try {
    const module = (await import(name)) as { default?: unknown };
    return (module.default ?? module) as OrtModule;
  } catch (error) {
    throw new CliError('missingDependency', `Text models are ONNX models: they need ${name}. Install it next to the CLI: \`npm install ${name}\`.`, { cause: error });
  }
}

async function kindOf(path: string): Promise<'folder' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/** tokenizer.json beside an ONNX file, or one folder up (a transformers.js folder's onnx/). */
async function besideModel(model: string, file: string): Promise<string | undefined> {
  for (const folder of [dirname(model), dirname(dirname(model))]) {
    if ((await kindOf(join(folder, file))) === 'file') return join(folder, file);
  }
  return undefined;
}

/** Opens --model (a folder, or an .onnx file with --tokenizer or a tokenizer.json beside it); `salience audit --texts` opens its models here too. */
export async function openClassifier(ort: OrtModule, flags: { readonly model?: string; readonly tokenizer?: string }): Promise<TextClassifier> {
  const model = flags.model;
  if (model === undefined) {
    throw new CliError(
      'usage',
      'Give the text classifier with --model: a transformers.js / Optimum folder (config.json, tokenizer.json, onnx/model.onnx), or --model model.onnx --tokenizer tokenizer.json.',
    );
  }
  const kind = await kindOf(model);
  if (kind === undefined) throw new CliError('modelFile', `--model ${model} does not exist.`);
  const onnx = { sessionOptions: { intraOpNumThreads: Math.max(1, Math.min(4, (await import('node:os')).availableParallelism?.() ?? 2)) } };
  try {
    if (kind === 'folder') {
      if (flags.tokenizer !== undefined) throw new CliError('usage', '--tokenizer is for --model FILE.onnx; a model folder holds its tokenizer.json.');
      const hasFloat = (await kindOf(join(model, 'onnx', 'model.onnx'))) === 'file' || (await kindOf(join(model, 'model.onnx'))) === 'file';
      return await loadTextClassifier(ort, model, { quantized: !hasFloat, onnx });
    }
    const tokenizer = flags.tokenizer ?? (await besideModel(model, 'tokenizer.json'));
    if (tokenizer === undefined) throw new CliError('usage', `No tokenizer for ${model}: give --tokenizer tokenizer.json (none beside the model or one folder up).`);
    if ((await kindOf(tokenizer)) !== 'file') throw new CliError('inputFile', `--tokenizer ${tokenizer} does not exist.`);
    const tokenizerConfig = await besideModel(tokenizer, 'tokenizer_config.json');
    const config = await besideModel(model, 'config.json');
    return await loadTextClassifier(ort, { model, tokenizer, ...(tokenizerConfig ? { tokenizerConfig } : {}), ...(config ? { config } : {}) }, { onnx });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError('modelFile', `Cannot open the text classifier ${model}: ${message}`, { cause: error });
  }
}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError('usage', `${flag} must be a positive whole number of tokens; got '${value}'.`);
  return n;
}

function chooseTextMethods(flags: ExplainFlags, classifier: TextClassifier, note: (m: string) => void): TextMethodName[] {
  const asked = (flags.method ?? [])
    .flatMap((m) => m.split(','))
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of asked) {
    if (!(TEXT_METHODS as readonly string[]).includes(m)) {
      const images = ['smoothgrad', 'gradcam'].includes(m) ? ` (${m} is for images)` : '';
      throw new CliError('usage', `Unknown method '${m}' for texts${images}: use ${TEXT_METHODS.join(', ')}.`);
    }
  }
  const hasMask = classifier.specialIds.mask !== null;
  if (asked.length > 0) {
    if (asked.includes('ig-mask') && !hasMask) throw new CliError('usage', 'ig-mask needs a mask token, and this tokenizer has none (GPT-2 style); use ig (pad baseline).');
    // A gradient method on a quantized model: the error names the op and the fix, before any work.
    if (asked.some((m) => GRADIENT_METHODS.includes(m as TextMethodName))) classifier.assertGradients();
    return [...new Set(asked)] as TextMethodName[];
  }
  let chosen = TEXT_METHODS.filter((m) => m !== 'ig-mask' || hasMask);
  if (classifier.gradientError) {
    note(`Skipped ${chosen.filter((m) => GRADIENT_METHODS.includes(m)).join(', ')}: ${classifier.gradientError.message}`);
    chosen = chosen.filter((m) => !GRADIENT_METHODS.includes(m));
  }
  return chosen;
}

/** The occlusion fill: pad (default), mask, unk, or a token id. */
export function occlusionFill(value: string | undefined, classifier: TextClassifier): { id: number; name: string } {
  const ids = classifier.specialIds;
  const named = (name: 'pad' | 'mask' | 'unk', id: number | null) => {
    if (id === null)
      throw new CliError(
        'usage',
        `--baseline ${name}: this tokenizer has no ${name} token; use ${['pad', 'mask', 'unk'].filter((n) => ids[n as 'pad'] !== null).join(', ') || 'a token id'}.`,
      );
    return { id, name };
  };
  if (value === undefined || value === 'pad') return named('pad', classifier.padId);
  if (value === 'mask' || value === 'unk') return named(value, ids[value]);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError('usage', `--baseline for texts: pad, mask, unk or a token id; got '${value}'.`);
  return { id: n, name: `id ${n}` };
}

function resolveTarget(flags: ExplainFlags, example: TextExample, labels: readonly string[] | undefined, classes: number, predicted: number): number {
  const text = (flags.target ?? 'predicted').trim();
  if (text === 'predicted') return predicted;
  const byName = (name: string, what: string) => {
    const index = labels?.indexOf(name) ?? -1;
    if (index >= 0) return index;
    const n = Number(name);
    if (Number.isInteger(n) && n >= 0 && n < classes) return n;
    throw new CliError('usage', `${what} '${name}' is not a class of this model (${labels ? labels.join(', ') : `0..${classes - 1}`}).`);
  };
  if (text === 'label') {
    if (example.label === undefined) throw new CliError('usage', `--target label: ${example.source} has no label (give "label" in the .jsonl or a label column in the .csv).`);
    return byName(example.label, `The label of ${example.source}`);
  }
  return byName(text, '--target');
}

/** `salience explain --model DIR --text "..."`: token saliency for a text classifier. */
export async function runExplainText(flags: ExplainFlags & TextFlags, context: CliContext, cwd: string): Promise<number> {
  const note = (message: string) => {
    if (!flags.quiet) context.stderr.write(`note: ${message}\n`);
  };
  if ((flags.input?.length ?? 0) > 0) throw new CliError('usage', '--input is for images and tensors; give texts with --text or --texts.');
  const examples: TextExample[] = (flags.text ?? []).map((text, i) => ({ text, source: `--text #${i + 1}` }));
  if (examples.some((e) => e.text.trim() === '')) throw new CliError('usage', '--text needs a non-empty text.');
  if (flags.texts !== undefined) examples.push(...(await readTextsFile(flags.texts)));
  if (examples.length === 0) throw new CliError('usage', 'Give the texts to explain with --text "..." (repeatable) or --texts FILE (.txt, .jsonl, .csv).');
  const window = positiveInt(flags.window, '--window', 1);
  const stride = positiveInt(flags.stride, '--stride', 1);
  const steps = positiveInt(flags.steps, '--steps', 50);
  await checkOutputFolder(flags.out, { overwrite: flags.overwrite, command: 'explain', reserved: ['summary.json', 'report.html'] });

  const ort = await importOnnxRuntime();
  const classifier = await openClassifier(ort, flags);
  try {
    const methods = chooseTextMethods(flags, classifier, note);
    const fill = methods.includes('occlusion') ? occlusionFill(flags.baseline, classifier) : undefined;
    if (flags.baseline !== undefined && !methods.includes('occlusion')) note('--baseline sets the occlusion fill for texts (ig uses the pad token, ig-mask the mask token).');
    const mode = progressMode(context.stderr, { json: Boolean(flags.json), quiet: Boolean(flags.quiet), noProgress: !flags.progress });
    const progress = createProgress(mode, context.stderr, 16, 'texts');

    const encoded = examples.map((e) => classifier.encode(e.text));
    for (const [i, batch] of encoded.entries()) {
      if (batch.texts[0]!.truncated > 0) note(`${examples[i]!.source}: ${batch.texts[0]!.truncated} token(s) past the model's ${classifier.tokenizer.maxLength} were dropped.`);
    }
    const predictions: TextPrediction[] = [];
    for (const batch of encoded) predictions.push(await classifier.predict(batch));
    const classes = predictions[0]!.logits.shape[1]!;
    const targets = examples.map((e, i) => resolveTarget(flags, e, classifier.labels, classes, predictions[i]!.predicted[0]!));

    const pad = classifier.padId ?? undefined;
    const runs: TextRun[] = [];
    for (const method of methods) {
      const bar = progress.start(method);
      const t0 = performance.now();
      const scores: Attribution[] = [];
      try {
        for (const [i, batch] of encoded.entries()) {
          if (context.signal?.aborted) throw new AbortError(context.signal.reason);
          scores.push(await runMethod(method, classifier, batch.ids, targets[i]!, { pad, steps, window, stride, fill: fill?.id, signal: context.signal }));
          bar.update(i + 1, encoded.length);
        }
      } catch (error) {
        bar.fail();
        throw error;
      }
      const timeMs = performance.now() - t0;
      bar.finish(`${encoded.length} text${encoded.length === 1 ? '' : 's'} in ${formatDuration(timeMs)}`);
      runs.push({
        method,
        description: TEXT_METHOD_DESCRIPTIONS[method],
        attributions: scores,
        timeMs,
        ...(method === 'occlusion' ? { parameters: { window, stride, fill: fill?.name, fillId: fill?.id } } : {}),
        ...(method.startsWith('ig') ? { parameters: { steps, baselineTokenId: method === 'ig' ? pad : classifier.specialIds.mask } } : {}),
      });
    }

    const stage = await stageOutput(flags.out, { overwrite: flags.overwrite, command: 'explain', reserved: ['summary.json', 'report.html'] });
    let summary: TextRunSummary;
    try {
      summary = await writeTextOutputs(stage.dir, { classifier, modelPath: flags.model ?? '', examples, encoded, predictions, targets, runs, out: flags.out });
      await stage.commit();
    } catch (error) {
      await stage.discard();
      throw error;
    }
    if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else if (!flags.quiet)
      context.stdout.write(textLines(summary, { colour: Boolean(context.stdout.isTTY) || Boolean(process.env.FORCE_COLOR), cwd, out: flags.out, runs, encoded }));
    return EXIT_CODES.ok;
  } finally {
    classifier.dispose();
  }
}

/** One method on a batch of ids `[B, T]`: one target class for all rows, or one per row. */
export async function runMethod(
  method: TextMethodName,
  classifier: TextClassifier,
  ids: TensorData,
  target: number | readonly number[],
  o: { pad: number | undefined; steps: number; window: number; stride: number; fill: number | undefined; signal: AbortSignal | undefined },
): Promise<Attribution> {
  const model = classifier.model;
  const common = { target: typeof target === 'number' ? [target] : [...target], signal: o.signal };
  switch (method) {
    case 'gradient':
      return tokenGradL2.attribute(model, ids, { ...common, padTokenId: o.pad });
    case 'grad-x-embedding':
      return tokenGradXEmbedding.attribute(model, ids, { ...common, padTokenId: o.pad });
    case 'ig':
      if (o.pad === undefined)
        throw new CliError('usage', 'ig needs a pad token for its baseline, and neither the tokenizer nor config.json names one; use ig-mask or occlusion with --baseline ID.');
      return tokenIntegratedGradients.attribute(model, ids, { ...common, padTokenId: o.pad, steps: o.steps });
    case 'ig-mask':
      return tokenIntegratedGradients.attribute(model, ids, { ...common, padTokenId: o.pad, baselineTokenId: classifier.specialIds.mask ?? undefined, steps: o.steps });
    case 'occlusion': {
      const t = ids.shape[1]!;
      return occlusion.attribute(model, ids, { ...common, window: [Math.min(o.window, t)], stride: [Math.min(o.stride, t)], baseline: o.fill ?? 0 });
    }
  }
}
