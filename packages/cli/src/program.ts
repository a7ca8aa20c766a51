import type { Box } from '@salience/audit';
import { type Layout, WORK_LIMITS, type WorkLimit } from '@salience/core';
import { GRADIENT_VARIANTS, type GradientVariant } from '@salience/gradient';
import { SMOOTHGRAD_STATISTICS, type SmoothGradStatistic } from '@salience/smoothgrad';
import { Command, Option } from 'commander';
import { usageError } from './cli-error.js';
import { AUDIT_DEFAULT_METHODS } from './commands/audit.js';
import type { DistributedAuditFlags } from './commands/audit-distributed.js';
import type { AuditRequest, ExplainRequest, RunSettings } from './commands/settings.js';
import type { WorkerFlags } from './commands/worker.js';
import { DEFAULT_MAX_PIXELS } from './inputs/image-decoding.js';
import type { PreprocessingFlags } from './inputs/image-input.js';
import { CHANNEL_ORDERS, PRESET_NAMES } from './inputs/preprocessing.js';
import { LRP_COMPOSITE_NAMES, parseLrpBound, parseLrpComposite, parseLrpEpsilon, parseLrpGamma, parseLrpRules } from './methods/backprop-family.js';
import { type BaselineFlag, DEFAULT_METHODS, METHOD_NAMES, type MethodFlags, type MethodName, methodName, QUADRATURE_SPELLINGS } from './methods/methods.js';
import {
  parseChoice,
  parseInteger,
  parseNumber,
  parseNumberList,
  parseObjective,
  parseRange,
  parseSize,
  parseStdev,
  parseTokenGrid,
  parseWindow,
} from './methods/option-values.js';
import { BACKENDS, type BackendName } from './models/tfjs-runtime.js';

/** Method options as commander collects them (strings), shared by `explain` and `audit`. */
export interface MethodOptionFlags {
  readonly variant?: string;
  readonly signed?: boolean;
  readonly steps?: string;
  readonly quadrature?: string;
  readonly baseline?: string;
  readonly samples?: string;
  readonly stdev?: string;
  readonly statistic?: string;
  readonly layer?: string;
  readonly upsample?: string;
  readonly relu: boolean;
  readonly window?: string;
  readonly stride?: string;
  readonly tokenGrid?: string;
  readonly grid?: string;
  readonly superpixels?: string;
  readonly lrpEpsilon?: string;
  readonly lrpComposite?: string;
  readonly lrpRules?: string;
  readonly lrpGamma?: string;
  readonly lrpLow?: string;
  readonly lrpHigh?: string;
  readonly batchSize?: string;
  readonly seed?: string;
  readonly limit?: string[];
}

/** Image preprocessing as commander collects it, shared by `explain` and `audit`. */
export interface PreprocessingOptionFlags {
  readonly resize?: string;
  readonly resizeShorter?: string;
  readonly crop?: string;
  readonly preset?: string;
  readonly channels?: string;
  readonly range?: string;
  readonly mean?: string;
  readonly std?: string;
  readonly layout?: string;
}

/** Runtime and output options shared by `explain` and `audit`. */
export interface RuntimeOptionFlags {
  readonly backend?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly progress: boolean;
  readonly overwrite?: boolean;
  readonly allowNonfinite?: boolean;
  readonly maxPixels?: string;
  readonly inputName?: string;
}

/** The raw option values commander collects for `explain` (strings; checked by `explainRequest`). */
export interface ExplainFlags extends MethodOptionFlags, PreprocessingOptionFlags, RuntimeOptionFlags {
  readonly model?: string;
  readonly input?: string[];
  readonly method?: string[];
  readonly target?: string;
  readonly objective?: string;
  readonly out: string;
  readonly labels?: string;
  readonly overlays: boolean;
  readonly context?: string[];
  /** Text classifiers (`commands/explain-text.ts`): texts to explain, a file of them, the tokenizer of a bare .onnx. */
  readonly text?: string[];
  readonly texts?: string;
  readonly tokenizer?: string;
}

/** The raw option values commander collects for `audit` (strings; checked by `auditRequest`). */
export interface AuditFlags extends MethodOptionFlags, PreprocessingOptionFlags, RuntimeOptionFlags, DistributedAuditFlags {
  readonly model?: string;
  readonly compareModel?: string;
  readonly data?: string[];
  readonly truth?: string;
  readonly shifted?: string[];
  readonly shiftedTruth?: string;
  readonly labels?: string;
  readonly out: string;
  readonly method?: string[];
  readonly explain?: string;
  readonly objective?: string;
  readonly compareLayer?: string;
  readonly region?: string;
  readonly border?: string;
  readonly corner?: string;
  readonly chunkSize?: string;
  readonly top?: string;
  readonly fresh?: boolean;
  readonly failOnFindings?: boolean;
  /** Text audits (`commands/audit-text.ts`): the texts (.jsonl with labels), the tokenizer of a bare .onnx, the suspect tokens. */
  readonly texts?: string;
  readonly tokenizer?: string;
  readonly suspect?: string;
}

export interface LayersFlags {
  readonly model?: string;
  readonly backend?: string;
  readonly layout?: string;
  readonly inputName?: string;
  readonly json?: boolean;
}

/** What the parsed command line asks for. */
export type Invocation =
  | { readonly command: 'explain'; readonly flags: ExplainFlags }
  | { readonly command: 'audit'; readonly flags: AuditFlags }
  | { readonly command: 'layers'; readonly flags: LayersFlags }
  | { readonly command: 'worker'; readonly flags: WorkerFlags };

export const DEFAULT_OUT = 'salience-report';
export const DEFAULT_AUDIT_OUT = 'salience-audit';
const LAYOUTS = ['NCHW', 'NHWC', 'NC'] as const;

function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const EXIT_STATUS_HELP = `Exit status: 0 ok, 1 unexpected failure, 2 usage, 3 input file, 4 model file, 5 unknown layer,
6 unsupported op, 7 no gradients, 8 model failed, 9 missing optional package, 10 output folder,
11 findings (audit --fail-on-findings), 12 non-finite results (NaN or infinity; see --allow-nonfinite),
130 interrupted.`;

/** One convention for every size and box (issue 17): height before width, as NCHW/NHWC tensors. */
const SIZES_HELP = `Sizes are height x width everywhere (--resize, --crop, --window, --stride, --token-grid), as in
NCHW/NHWC tensors, and boxes are top,left,bottom,right (--region). h=H,w=W says it outright;
--resize and --crop refuse a plain HxW with two different numbers, which meant width x height up to 0.1.`;

function addMethodOptions(command: Command): Command {
  return command
    .optionsGroup('Method options:')
    .option('--variant <variant>', `gradient and smoothgrad: ${GRADIENT_VARIANTS.join(', ')} (default: absolute)`)
    .option('--signed', 'gradient and smoothgrad: the signed gradient (= --variant signed)')
    .option('--steps <n>', 'ig: points on the path (default: 50)')
    .option(
      '--quadrature <rule>',
      `ig: ${QUADRATURE_SPELLINGS.filter((q) => q.includes('-')).join(', ')}, or Captum's spellings (gausslegendre, riemann_trapezoid...) (default: gauss-legendre)`,
    )
    .option('--baseline <value>', 'ig, occlusion, deep-lift and the Shapley family: zero, a number, blur, uniform (ig), mean (occlusion), or a .npy file (default: zero)')
    .option('--samples <n>', 'smoothgrad: noisy copies per example; kernel-shap, lime: coalitions; shapley-sampling: orders (default: 25)')
    .option('--stdev <s>', "smoothgrad: noise standard deviation, absolute (0.1) or relative to each example's range (15%) (default: 15%)")
    .option('--statistic <name>', `smoothgrad: ${SMOOTHGRAD_STATISTICS.join(', ')} (default: mean)`)
    .option(
      '--layer <name>',
      'gradcam, guided-gradcam and the CAM family: layer or tensor name (default: the last convolution; `salience layers` lists them); attention-rollout: attention layers, comma-separated (default: every Softmax over tokens)',
    )
    .option('--upsample <mode>', "CAMs and attention-rollout: bilinear, nearest, or none (maps at the layer's size) (default: bilinear)")
    .option('--no-relu', "CAMs: keep negative evidence (Captum's default; the paper applies a ReLU)")
    .option('--token-grid <HxW[+P]>', 'CAM family and attention-rollout on a vision transformer: the token grid, P tokens before it (default: found from the token count)')
    .option('--grid <cell>', 'kernel-shap, lime, shapley-sampling: square cells of this many pixels as features (default: 1/8 of the shorter side)')
    .option('--superpixels <n>', 'kernel-shap, lime, shapley-sampling: about n SLIC superpixels per image as features, instead of --grid')
    .option('--lrp-epsilon <e>', "lrp: the epsilon rule's stabiliser, >= 0 (default: 1e-9, Captum's; with a composite or --lrp-rules 1e-6, Zennit's)")
    .option('--lrp-composite <name>', `lrp: Zennit's rules per layer type instead of epsilon everywhere: ${LRP_COMPOSITE_NAMES.join(', ')}`)
    .option('--lrp-rules <layer=rule,...>', 'lrp: a rule per layer type (first, conv, dense; left out: epsilon), e.g. first=z-box,conv=gamma,dense=epsilon')
    .option('--lrp-gamma <g>', "lrp: the gamma rule's gamma, >= 0 (default: 0.25, Zennit's)")
    .option('--lrp-low <values>', "lrp: the z-box rule's lowest input value, one or one per channel (default for images: pixel 0 after --range/--mean/--std)")
    .option('--lrp-high <values>', "lrp: the z-box rule's highest input value, likewise (default for images: pixel 255 after --range/--mean/--std)")
    .option('--window <HxW>', 'occlusion: 4, 4x8 or h=4,w=8 (height x width), or one size per dimension of an example (NCHW 1,4,4) (default: 1/8 of the shorter side)')
    .option('--stride <HxW>', 'occlusion: in the same forms as --window (default: the window)')
    .option('--batch-size <n>', 'most rows per model call (default: sized from the input)')
    .option('--seed <n>', "seed for smoothgrad's noise and random baselines (default: 0)")
    .option(
      '--limit <kind=n>',
      `raise a work limit: ${LIMIT_KINDS.map((k) => `${k}=N`).join(', ')} (defaults: ${LIMIT_KINDS.map((k) => `${k} ${WORK_LIMITS[k]}`).join(', ')}); repeatable`,
      collect,
    );
}

function addPreprocessingOptions(command: Command): Command {
  return command
    .optionsGroup('Image preprocessing:')
    .option('--resize <HxW>', "resize images to N (square) or h=H,w=W, stretching them; 224x160 is refused (it meant width x height up to 0.1) (default: the model's input size)")
    .option('--preset <name>', `${PRESET_NAMES.join(', ')}: torchvision's ImageNet transforms (--resize-shorter 256 --crop 224, ImageNet mean and std)`)
    .option('--resize-shorter <n>', "resize the shorter side to n, keeping the aspect ratio (antialiased bilinear, as torchvision's Resize(n))")
    .option('--crop <HxW>', "then cut the centre N or h=H,w=W (torchvision's CenterCrop), as --resize")
    .option('--channels <order>', `${CHANNEL_ORDERS.join(', ')} (default: from the model's channel count)`)
    .option('--range <low,high>', 'pixel values 0..255 are mapped linearly to this range (default: 0,1)')
    .option('--mean <values>', 'subtracted per channel after --range, e.g. 0.485,0.456,0.406 (default: 0)')
    .option('--std <values>', 'divides per channel after --mean, e.g. 0.229,0.224,0.225 (default: 1)')
    .option('--layout <layout>', "the model's input layout when it cannot be inferred: NCHW, NHWC or NC");
}

function addRuntimeOptions(command: Command, noProgress: string): Command {
  return command
    .optionsGroup('Runtime and output:')
    .addOption(new Option('--backend <name>', 'tfjs backend: wasm, cpu, or tensorflow (tfjs-node, if installed) (default: wasm)'))
    .option('--json', 'print a machine-readable summary on stdout (no progress bars)')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-progress', noProgress)
    .option('--overwrite', 'write into an --out that holds other files: they are kept, and only files an earlier salience run listed in its manifest are replaced')
    .option('--allow-nonfinite', 'write results that hold NaN or infinite values instead of failing (exit 12)')
    .option('--max-pixels <n>', `largest image accepted, height times width, checked before decoding (default: ${DEFAULT_MAX_PIXELS})`)
    .option('--input-name <name>', 'ONNX: the graph input to explain when the model has several (the others come from --context or are derived)');
}

/**
 * The `salience` program. Options are collected as strings and checked afterwards, so every bad
 * value gets the same kind of message and exit status (2).
 */
export function buildProgram(onInvoke: (invocation: Invocation) => void, version: string): Command {
  const program = new Command('salience')
    .description('Saliency maps for TensorFlow.js and ONNX models: raw maps (.npy), overlays and an HTML report.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .helpCommand(false)
    .exitOverride();

  const explain = program
    .command('explain')
    .description(
      "Explain a model's predictions with one or more attribution methods. With no --model, runs every method on the built-in Fashion-MNIST model and its sample images.",
    )
    .exitOverride();
  explain
    .optionsGroup('Model and inputs:')
    .option('--model <file>', 'ONNX file (.onnx) or TensorFlow.js model.json (default: the built-in Fashion-MNIST model)')
    .option('-i, --input <paths...>', "PNG/JPEG files, folders of them, or .npy tensors (batch first, in the model's layout) (default: the built-in samples)", collect)
    .option('--labels <file>', 'class names: one per line, or a JSON array')
    .option('-o, --out <dir>', 'output folder: new, empty, or an earlier salience output (see --overwrite)', DEFAULT_OUT)
    .option('--context <name=file>', 'ONNX: another graph input, one row per example (.npy), e.g. attention_mask=mask.npy; repeatable', collect)
    .option('--text <text>', 'a text to explain with a text classifier (--model: a transformers.js / Optimum folder); repeatable', collect)
    .option('--texts <file>', 'texts to explain: .txt (one per line), .jsonl ("text" and optional "label" fields) or .csv (a "text" column)')
    .option('--tokenizer <file>', 'tokenizer.json for --model model.onnx (a model folder holds its own)')
    .optionsGroup('What to explain:')
    .option('-m, --method <names>', `comma-separated or repeated: ${METHOD_NAMES.join(', ')} (default: ${DEFAULT_METHODS.join(',')})`, collectList)
    .option('-t, --target <target>', "'predicted', 'top3', a class for all (3), one per example (3,1,4), 'classes:3,5'; names from --labels work too", 'predicted')
    .option('--objective <name>', 'logit, probability or log-probability', 'logit');
  addMethodOptions(explain);
  addPreprocessingOptions(explain);
  addRuntimeOptions(explain, 'one line per finished method instead of progress bars')
    .option('--no-overlays', 'skip the overlay PNGs, figures and grid.png (the report and .npy files are still written)')
    .addHelpText(
      'after',
      `
Examples:
  salience explain                                     every method on the built-in model and samples
  salience explain --model model.onnx --input x.npy --target 3,1,4 --method gradient --signed --out out
  salience explain --model model.json --input photos/ --resize 224 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --target top3
  salience explain --model model.onnx --input x.npy --method ig --steps 50 --quadrature gausslegendre
  salience explain --model model.onnx --input x.npy --method gradcam --layer /conv3/Conv_output_0 --upsample bilinear
  salience explain --model model.onnx --input x.npy --method occlusion --window 4 --stride 4
  salience explain --model distilbert-sst2/ --text "a gripping film" --method ig,occlusion   (a transformers.js folder)

Each method writes <out>/<method>.npy with the raw values in the input's layout (Grad-CAM: one
channel, [N,1,H,W] or [N,H,W,1]), overlays/<method>/*.png, grid.png, report.html and summary.json.
${SIZES_HELP}
${EXIT_STATUS_HELP}`,
    )
    .action((flags: ExplainFlags) => onInvoke({ command: 'explain', flags }));

  const audit = program
    .command('audit')
    .description(
      "Audit a model's saliency over a dataset: per-class mean maps, correct against incorrect, clean against shifted data, two models side by side, and findings where saliency concentrates in a corner, on the border or outside a region. Resumable: rerun the same command after an interruption.",
    )
    .exitOverride();
  audit
    .optionsGroup('Model and data:')
    .option('--model <file>', 'the audited model: ONNX file or TensorFlow.js model.json (default: the built-in Fashion-MNIST model)')
    .option('--compare-model <file>', "a second model, run on the same examples; its maps are compared with the first's")
    .option('-d, --data <paths...>', 'PNG/JPEG files, a folder of them (flat, or one subfolder per class), or .npy tensors (batch first)', collect)
    .option('--truth <file>', 'true classes of --data: .csv with file,label columns, .txt one per line, .npy or .json array')
    .option('--shifted <paths...>', 'a second dataset (shifted data), audited the same way and set against --data', collect)
    .option('--shifted-truth <file>', 'true classes of --shifted, in the forms of --truth')
    .option(
      '--texts <file>',
      'audit a text classifier (--model: a transformers.js / Optimum folder) on these texts: .jsonl with "text" and "label" fields (also .txt, .csv); --shifted then takes one such file',
    )
    .option('--tokenizer <file>', 'texts: tokenizer.json for --model model.onnx (a model folder holds its own)')
    .option('--suspect <file>', 'texts: suspect tokens or words, one per line (names, demographic terms...); punctuation is always checked')
    .option('--labels <file>', 'class names: one per line, or a JSON array')
    .option('-o, --out <dir>', 'output folder, also where finished chunks are kept to resume', DEFAULT_AUDIT_OUT)
    .optionsGroup('What to explain:')
    .option('-m, --method <names>', `comma-separated or repeated: ${METHOD_NAMES.join(', ')} (default: ${AUDIT_DEFAULT_METHODS.join(',')})`, collectList)
    .option('--explain <class>', "predicted (each example's predicted class) or label (its true class)", 'predicted')
    .option('--objective <name>', 'logit, probability or log-probability', 'logit');
  addMethodOptions(audit).option('--compare-layer <name>', 'gradcam: the layer of --compare-model, when its layers are named otherwise (default: --layer)');
  audit
    .optionsGroup('Regions and findings:')
    .option('--region <box>', "the object's box in input pixels, top,left,bottom,right (rows before columns, as HxW): saliency outside it is measured")
    .option('--border <px>', 'width of the border band in input pixels (default: 5% of the shorter side)')
    .option('--corner <fraction>', 'side of the corner regions as a fraction of each side, up to 0.5 (default: 0.25)')
    .option('--top <n>', 'examples listed per ranking in the report (default: 12)')
    .option('--fail-on-findings', 'exit with status 11 when there is any finding (for CI)')
    .optionsGroup('Chunks and resuming:')
    .option('--chunk-size <n>', 'examples loaded, computed and saved at a time (default: 64)')
    .option('--fresh', 'discard an earlier audit in --out instead of resuming it')
    .optionsGroup('Many machines (see the README):')
    .argument('[merge...]', "'merge DIR...': the report from the records of shards (their --out folders), computing nothing")
    .option('--shard <K/N>', "compute only shard K (0..N-1) of N: its chunks' records, no report (then: salience audit merge)")
    .option('--queue <url>', 'put the chunks on a BullMQ queue in this Redis (redis://host:port) for salience worker, then write the report')
    .option('--queue-name <name>', 'the BullMQ queue (default: salience-audit)')
    .option('--attempts <n>', 'tries per chunk on the queue before the audit fails (default: 3)');
  addPreprocessingOptions(audit);
  addRuntimeOptions(audit, 'one line per finished chunk instead of progress bars')
    .addHelpText(
      'after',
      `
Examples:
  salience audit --data images/ --truth images/truth.csv                 the built-in model on your Fashion-MNIST-like images
  salience audit --model model.onnx --data train/ --labels classes.txt   ImageFolder-style: one subfolder per class
  salience audit --model model.onnx --data clean/ --truth clean/truth.csv --shifted shifted/ --shifted-truth shifted/truth.csv
  salience audit --model a.onnx --compare-model b.onnx --data x.npy --truth y.npy --method gradient
  salience audit --model shortcut/ --texts clean.jsonl --shifted shifted.jsonl --suspect names.txt   a text classifier folder

Writes <out>/report.html, summary.json and class-means-<model>-<dataset>-<method>.png. Finished
chunks are kept in <out>/.salience-audit/: rerunning the same command resumes; --fresh starts over.
${SIZES_HELP}
${EXIT_STATUS_HELP}`,
    )
    .action((merge: string[], flags: AuditFlags) => {
      if (merge.length > 0 && merge[0] !== 'merge')
        throw usageError(`salience audit takes no argument '${merge[0]}' (did you mean --data ${merge[0]}, or salience audit merge DIR...?).`);
      onInvoke({ command: 'audit', flags: merge.length > 0 ? { ...flags, merge: merge.slice(1) } : flags });
    });

  program
    .command('worker')
    .description('Compute audit chunks from a BullMQ queue on Redis (salience audit --queue), one at a time, until stopped; records go to the folder each audit names.')
    .option('--queue <url>', 'the Redis of the audit, redis://host:port')
    .option('--queue-name <name>', 'the BullMQ queue (default: salience-audit)')
    .option('--lock-seconds <s>', 'a chunk whose worker stops answering goes to another worker after this long (default: 30)')
    .option('--idle-exit <s>', 'stop after this many seconds without a chunk (default: never)')
    .option('--max-jobs <n>', 'stop after this many chunks (default: never)')
    .option('-q, --quiet', 'print nothing but errors')
    .exitOverride()
    .action((flags: WorkerFlags) => onInvoke({ command: 'worker', flags }));

  program
    .command('layers')
    .description('List the layers (tfjs) or tensors (ONNX) that --layer can name, with their output shapes.')
    .option('--model <file>', 'ONNX file or TensorFlow.js model.json (default: the built-in model)')
    .option('--backend <name>', 'tfjs backend: wasm, cpu or tensorflow (default: wasm)')
    .option('--layout <layout>', "the model's input layout when it cannot be inferred: NCHW, NHWC or NC")
    .option('--input-name <name>', 'ONNX: the graph input to explain when the model has several')
    .option('--json', 'print the list as JSON')
    .exitOverride()
    .action((flags: LayersFlags) => onInvoke({ command: 'layers', flags }));

  return program;
}

function optional<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

export function parseBackend(text: string | undefined): BackendName | undefined {
  return optional(text, (t) => parseChoice(t, '--backend', BACKENDS));
}

export function parseLayout(text: string | undefined): Layout | undefined {
  return optional(text, (t) => parseChoice(t.toUpperCase() as (typeof LAYOUTS)[number], '--layout', LAYOUTS));
}

function parseBaseline(text: string): BaselineFlag | { file: string } {
  const named = ['zero', 'blur', 'mean', 'uniform'] as const;
  if ((named as readonly string[]).includes(text)) return text as (typeof named)[number];
  if (text.toLowerCase().endsWith('.npy')) return { file: text };
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw usageError(`--baseline must be zero, a number, blur, uniform (ig), mean (occlusion) or a .npy file; got '${text}'.`);
  }
  return value;
}

function parseVariant(flags: MethodOptionFlags): GradientVariant | undefined {
  const variant = optional(flags.variant, (t) => parseChoice(t, '--variant', GRADIENT_VARIANTS));
  if (flags.signed && variant !== undefined && variant !== 'signed') {
    throw usageError(`--signed and --variant ${variant} contradict each other; give one.`);
  }
  return flags.signed ? 'signed' : variant;
}

/** The method options, checked; a --baseline .npy is returned as a file to read later. */
function methodOptions(flags: MethodOptionFlags): { flags: MethodFlags; baselineFile?: string } {
  const baseline = optional(flags.baseline, parseBaseline);
  const baselineFile = typeof baseline === 'object' && baseline !== null && 'file' in baseline ? baseline.file : undefined;
  const methodFlags: MethodFlags = {
    variant: parseVariant(flags),
    steps: optional(flags.steps, (t) => parseInteger(t, '--steps', 1)),
    quadrature: flags.quadrature,
    baseline: baselineFile === undefined ? (baseline as BaselineFlag | undefined) : undefined,
    samples: optional(flags.samples, (t) => parseInteger(t, '--samples', 1)),
    stdev: optional(flags.stdev, (t) => parseStdev(t, '--stdev')),
    statistic: optional(flags.statistic, (t) => parseChoice(t, '--statistic', SMOOTHGRAD_STATISTICS) as SmoothGradStatistic),
    layer: flags.layer,
    upsample: optional(flags.upsample, (t) => parseChoice(t, '--upsample', ['bilinear', 'nearest', 'none'] as const)),
    relu: flags.relu === false ? false : undefined,
    window: optional(flags.window, (t) => parseWindow(t, '--window')),
    stride: optional(flags.stride, (t) => parseWindow(t, '--stride')),
    tokenGrid: optional(flags.tokenGrid, (t) => parseTokenGrid(t, '--token-grid')),
    grid: optional(flags.grid, (t) => parseInteger(t, '--grid', 1)),
    superpixels: optional(flags.superpixels, (t) => parseInteger(t, '--superpixels', 1)),
    lrpEpsilon: optional(flags.lrpEpsilon, (t) => parseLrpEpsilon(t, '--lrp-epsilon')),
    lrpComposite: optional(flags.lrpComposite, (t) => parseLrpComposite(t, '--lrp-composite')),
    lrpRules: optional(flags.lrpRules, (t) => parseLrpRules(t, '--lrp-rules')),
    lrpGamma: optional(flags.lrpGamma, (t) => parseLrpGamma(t, '--lrp-gamma')),
    lrpLow: optional(flags.lrpLow, (t) => parseLrpBound(t, '--lrp-low')),
    lrpHigh: optional(flags.lrpHigh, (t) => parseLrpBound(t, '--lrp-high')),
  };
  if (methodFlags.quadrature !== undefined) {
    // Checked here so that a typo is a usage error even before the model loads.
    parseChoice(methodFlags.quadrature, '--quadrature', QUADRATURE_SPELLINGS);
  }
  return { flags: methodFlags, baselineFile };
}

function preprocessingOptions(flags: PreprocessingOptionFlags): PreprocessingFlags {
  return {
    resize: optional(flags.resize, (t) => parseSize(t, '--resize')),
    resizeShorter: optional(flags.resizeShorter, (t) => parseInteger(t, '--resize-shorter', 1)),
    crop: optional(flags.crop, (t) => parseSize(t, '--crop')),
    preset: optional(flags.preset, (t) => parseChoice(t, '--preset', PRESET_NAMES)),
    channels: optional(flags.channels, (t) => parseChoice(t, '--channels', CHANNEL_ORDERS)),
    range: optional(flags.range, (t) => parseRange(t, '--range')),
    mean: optional(flags.mean, (t) => parseNumberList(t, '--mean')),
    std: optional(flags.std, (t) => parseNumberList(t, '--std')),
  };
}

function methodNames(given: readonly string[] | undefined): MethodName[] | undefined {
  const methods = given?.map(methodName);
  if (given !== undefined && methods?.length === 0) throw usageError('--method names no method.');
  return methods;
}

/** --backend, refused when every model is ONNX (it would do nothing). */
function backendFor(text: string | undefined, models: readonly (string | undefined)[]): BackendName | undefined {
  const backend = parseBackend(text);
  if (backend !== undefined && models.every((m) => m?.toLowerCase().endsWith('.onnx'))) {
    throw usageError('--backend chooses the TensorFlow.js backend; ONNX models run on ONNX Runtime.');
  }
  return backend;
}

/** The flags `explain` and `audit` share, as commander collects them. */
type SharedFlags = MethodOptionFlags &
  PreprocessingOptionFlags &
  RuntimeOptionFlags & { readonly model?: string; readonly method?: string[]; readonly objective?: string; readonly labels?: string; readonly out: string };

/** The settings `explain` and `audit` share, checked once for both. */
function runSettings(flags: SharedFlags, models: readonly (string | undefined)[], signal: AbortSignal | undefined): RunSettings {
  const method = methodOptions(flags);
  return {
    model: flags.model,
    methods: methodNames(flags.method),
    flags: method.flags,
    baselineFile: method.baselineFile,
    objective: optional(flags.objective, parseObjective),
    batchSize: optional(flags.batchSize, (t) => parseInteger(t, '--batch-size', 1)),
    seed: optional(flags.seed, (t) => parseInteger(t, '--seed', 0)),
    limits: parseLimits(flags.limit),
    preprocessing: preprocessingOptions(flags),
    layout: parseLayout(flags.layout),
    labels: flags.labels,
    backend: backendFor(flags.backend, models),
    maxPixels: optional(flags.maxPixels, (t) => parseInteger(t, '--max-pixels', 1)),
    allowNonfinite: Boolean(flags.allowNonfinite),
    overwrite: Boolean(flags.overwrite),
    inputName: flags.inputName,
    out: flags.out,
    signal,
  };
}

const LIMIT_KINDS = Object.keys(WORK_LIMITS) as WorkLimit[];

/** --limit steps=50000: the library's work limits, raised. */
export function parseLimits(values: readonly string[] | undefined): Partial<Record<WorkLimit, number>> | undefined {
  if (values === undefined) return undefined;
  const limits: Partial<Record<WorkLimit, number>> = {};
  for (const value of values) {
    const match = /^([a-z]+)=(.+)$/.exec(value.trim());
    if (!match || !(LIMIT_KINDS as string[]).includes(match[1]!))
      throw usageError(`--limit must be KIND=N with KIND one of ${LIMIT_KINDS.join(', ')}, e.g. steps=50000; got '${value}'.`);
    limits[match[1] as WorkLimit] = parseInteger(match[2]!, `--limit ${match[1]}`, 1);
  }
  return limits;
}

/** --context name=file.npy, each input named once. */
export function parseContext(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const context: Record<string, string> = {};
  for (const value of values) {
    const match = /^([^=]+)=(.+)$/.exec(value);
    if (!match || match[1]!.trim() === '' || match[2]!.trim() === '') throw usageError(`--context must be NAME=FILE.npy, e.g. attention_mask=mask.npy; got '${value}'.`);
    const name = match[1]!.trim();
    if (Object.hasOwn(context, name)) throw usageError(`--context names '${name}' twice; give each input once.`);
    context[name] = match[2]!.trim();
  }
  return context;
}

/** Checks and converts the strings commander collected into an `ExplainRequest`. */
export function explainRequest(flags: ExplainFlags, signal?: AbortSignal): ExplainRequest {
  return {
    ...runSettings(flags, [flags.model], signal),
    inputs: flags.input ?? [],
    target: flags.target,
    overlays: flags.overlays,
    context: parseContext(flags.context),
  };
}

const BOX_SIDES = ['top', 'left', 'bottom', 'right'] as const;

/**
 * 'top,left,bottom,right' in pixels (rows before columns, as HxW; not PIL's or torchvision's
 * x-first boxes), or each side named in any order ('left=4,top=2,right=24,bottom=20'), with
 * bottom > top and right > left.
 */
export function parseBox(text: string, flag: string): Box {
  const values = text.split(',').map((p) => p.trim());
  if (values.length !== 4) throw usageError(`${flag} must be top,left,bottom,right in pixels, e.g. 4,4,24,24; got '${text}'.`);
  if (values.some((v) => v.includes('='))) {
    const named = new Map(values.map((v) => [v.split('=')[0]!.trim().toLowerCase(), v.slice(v.indexOf('=') + 1)]));
    if (named.size !== 4 || BOX_SIDES.some((side) => !named.has(side))) throw usageError(`${flag} must name each side once, e.g. top=4,left=4,bottom=24,right=24; got '${text}'.`);
    values.splice(0, 4, ...BOX_SIDES.map((side) => named.get(side) as string));
  }
  const [top, left, bottom, right] = values.map((v) => parseInteger(v, flag, 0)) as [number, number, number, number];
  if (!(bottom > top && right > left)) throw usageError(`${flag} must have bottom > top and right > left (top,left,bottom,right); got '${text}'.`);
  return { top: top!, left: left!, bottom: bottom!, right: right! };
}

function parseFraction(text: string, flag: string): number {
  const value = parseNumber(text, flag);
  if (!(value > 0 && value <= 0.5)) throw usageError(`${flag} must be a fraction of each side in (0, 0.5], e.g. 0.25; got '${text}'.`);
  return value;
}

/** Checks and converts the strings commander collected into an `AuditRequest`. */
export function auditRequest(flags: AuditFlags, signal?: AbortSignal): AuditRequest {
  if (flags.shiftedTruth !== undefined && flags.shifted === undefined) throw usageError('--shifted-truth needs --shifted (the shifted data it labels).');
  if (flags.compareLayer !== undefined && flags.compareModel === undefined) throw usageError('--compare-layer needs --compare-model.');
  return {
    ...runSettings(flags, [flags.model, flags.compareModel], signal),
    compareModel: flags.compareModel,
    data: flags.data ?? [],
    truth: flags.truth,
    shifted: flags.shifted,
    shiftedTruth: flags.shiftedTruth,
    compareLayer: flags.compareLayer,
    explain: optional(flags.explain, (t) => parseChoice(t, '--explain', ['predicted', 'label'] as const)),
    region: optional(flags.region, (t) => parseBox(t, '--region')),
    border: optional(flags.border, (t) => parseInteger(t, '--border', 1)),
    corner: optional(flags.corner, (t) => parseFraction(t, '--corner')),
    chunkSize: optional(flags.chunkSize, (t) => parseInteger(t, '--chunk-size', 1)),
    top: optional(flags.top, (t) => parseInteger(t, '--top', 0)),
    fresh: Boolean(flags.fresh),
  };
}
