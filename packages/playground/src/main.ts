import { AbortError, type Target } from '@salience/core';
import { attributionFigure, COLORMAP_NAMES, convergenceSummary, DISPLAY_SIGNS, drawToCanvas, encodePng, type RgbaImage, scaleLabel, softmax } from '@salience/render';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { writeNpy as encodeNpy } from '@salience/npy';
import { BACKENDS, type BackendName, backendsOffered, useBackend } from './backends.js';
import { decodeImage } from './decode-image.js';
import { type ColormapChoice, DEFAULT_CONTROLS, type DisplayControls, picturesOf, resolveDisplay, type SignChoice } from './display.js';
import { download, fileStem } from './downloads.js';
import { chooseTarget, parseLabels, type RankedTarget, targetText, topTargets } from './labels.js';
import { METHOD_CHOICES, type MethodChoice, type MethodId, type MethodSettings, settingsProblem, unavailableReason } from './methods.js';
import { BUILTIN_ONNX_SOURCE, BUILTIN_SOURCE, type BuiltinSample, builtinSamples, droppedSource, type ModelSource, type PlaygroundModel } from './models.js';
import { drawnRun, installHook } from './page-hook.js';
import { FIT_MODES, type FitMode, NORMALIZATION_PRESETS, type Normalization, type Prepared, parseChannelValues, prepareInput } from './preprocess.js';
import { type MethodRun, runMethods } from './run-methods.js';

const DEFAULT_METHODS: readonly MethodId[] = ['gradient', 'integrated-gradients', 'grad-cam'];
/** Classes offered as targets: the most probable ones. */
const TARGET_CHOICES = 10;
/** Pixels of the canvases' long side on the page, and of the colorbar. */
const PANEL = 168;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const hook = installHook();

let source: ModelSource = BUILTIN_SOURCE;
let loaded: PlaygroundModel | undefined;
/** Class names from a labels file the user gave; they replace the model's own. */
let userLabels: string[] | undefined;
let samples: BuiltinSample[] = [];
let picture: { image: RgbaImage; name: string } | undefined;
let prepared: Prepared | undefined;
/** The model `prepared` and `probabilities` were made for. */
let preparedFor: PlaygroundModel | undefined;
/** The model whose parameter defaults and layers the method list shows. */
let choicesFor = '';
let refreshes = 0;
/** The latest picture change (decode, then refresh): a run waits for it, so the picture clicked just before Run is the one explained, and its refresh cannot clear the run's results afterwards. */
let pictureChange: Promise<void> = Promise.resolve();
let probabilities: Float64Array | undefined;
let runs: MethodRun[] = [];
let offered = new Map<BackendName, string | null>();
let controller: AbortController | undefined;
let controls: DisplayControls = DEFAULT_CONTROLS;

function say(element: HTMLElement, text: string, error = false): void {
  element.textContent = text;
  element.classList.toggle('error', error);
}

function option(select: HTMLSelectElement, value: string, text: string, disabled = false): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  o.disabled = disabled;
  select.append(o);
  return o;
}

const labelsOf = (model: PlaygroundModel) => userLabels ?? model.labels;
const selectedBackend = () => $<HTMLSelectElement>('backend').value as BackendName;

/** Backends: what the browser has, and for ONNX models only onnxruntime-web's WebAssembly and WebGPU. */
function showBackends(runtime: 'tfjs' | 'onnx'): void {
  const select = $<HTMLSelectElement>('backend');
  const current = select.value;
  select.replaceChildren();
  for (const { name, title } of BACKENDS) {
    const reason = offered.get(name) ?? (runtime === 'onnx' && name !== 'wasm' && name !== 'webgpu' ? 'not in onnxruntime-web' : null);
    option(select, name, reason ? `${title} (unavailable: ${reason})` : title, reason !== null);
  }
  const usable = (name: string) => [...select.options].some((o) => o.value === name && !o.disabled);
  // onnxruntime-web's WebAssembly provider runs everywhere; prefer it for ONNX models.
  const fallback = runtime === 'onnx' && usable('wasm') ? 'wasm' : [...select.options].find((o) => !o.disabled)?.value;
  select.value = usable(current) ? current : (fallback ?? 'cpu');
}

async function setUpBackends(): Promise<void> {
  offered = await backendsOffered();
  for (const [name, reason] of offered) if (reason === null) offered.delete(name);
  showBackends('tfjs');
}

function setUpMethods(): void {
  const box = $('methods');
  for (const choice of METHOD_CHOICES) {
    const row = document.createElement('div');
    row.className = 'method';
    row.dataset.method = choice.id;
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'method';
    input.value = choice.id;
    input.checked = DEFAULT_METHODS.includes(choice.id);
    label.append(input, ` ${choice.title}`);
    row.append(label);
    for (const param of choice.params) {
      const field = document.createElement('label');
      field.className = 'param';
      const number = document.createElement('input');
      number.type = 'number';
      number.name = `${choice.id}.${param.key}`;
      number.min = String(param.min);
      number.max = String(param.max);
      number.step = '1';
      field.append(`${param.label} `, number);
      row.append(field);
    }
    for (const pick of choice.picks ?? []) {
      const field = document.createElement('label');
      field.className = 'param';
      const select = document.createElement('select');
      select.name = `${choice.id}.${pick.key}`;
      for (const o of pick.options) option(select, o.value, o.label);
      select.value = pick.initial;
      field.append(`${pick.label} `, select);
      row.append(field);
    }
    box.append(row);
  }
}

/** Parameter defaults for the model's input size, method availability, and the layers a CAM can use. */
function showModelChoices(model: PlaygroundModel): void {
  // The same model on another backend keeps what the user set.
  const key = `${model.name}|${model.shape.height}x${model.shape.width}x${model.shape.channels}`;
  if (key === choicesFor) return;
  choicesFor = key;
  for (const choice of METHOD_CHOICES) {
    const row = $('methods').querySelector<HTMLElement>(`[data-method="${choice.id}"]`)!;
    for (const param of choice.params) row.querySelector<HTMLInputElement>(`input[name="${choice.id}.${param.key}"]`)!.value = String(param.initial(model.shape));
    const reason = unavailableReason(choice, model.model);
    const box = row.querySelector<HTMLInputElement>('input[name=method]')!;
    box.disabled = reason !== null;
    if (reason) box.checked = false;
    row.title = reason ?? '';
    row.classList.toggle('unavailable', reason !== null);
  }
  const layer = $<HTMLSelectElement>('layer');
  layer.replaceChildren();
  option(layer, '', 'automatic: the last convolution');
  for (const info of model.model.layers().filter((l) => l.spatial)) {
    option(
      layer,
      info.name,
      `${info.name} · ${info.kind} · ${info.outputShape
        .slice(1)
        .map((d) => d ?? '?')
        .join('×')}`,
    );
  }
}

/** What the page sets for a method; `normalization` (the mean and std the input was made with) turns pixel levels into input values. */
function settingsOf(choice: MethodChoice, normalization?: Normalization): MethodSettings {
  const values = Object.fromEntries(choice.params.map((p) => [p.key, Number(document.querySelector<HTMLInputElement>(`input[name="${choice.id}.${p.key}"]`)!.value)]));
  const picks = Object.fromEntries((choice.picks ?? []).map((p) => [p.key, document.querySelector<HTMLSelectElement>(`select[name="${choice.id}.${p.key}"]`)!.value]));
  const layer = $<HTMLSelectElement>('layer').value;
  return { values, ...(choice.picks && { picks }), ...(choice.usesLayer && layer && { layer }), ...(normalization && { normalization }) };
}

function setUpControls(): void {
  const colormap = $<HTMLSelectElement>('colormap');
  option(colormap, 'auto', 'auto: diverging when signed');
  for (const name of COLORMAP_NAMES) option(colormap, name, name);
  colormap.value = controls.colormap;
  const sign = $<HTMLSelectElement>('sign');
  option(sign, 'auto', 'auto: signed methods signed');
  for (const s of DISPLAY_SIGNS) option(sign, s, s === 'all' ? 'all (signed)' : s);
  sign.value = controls.sign;
  const update = () => {
    controls = {
      opacity: Number($<HTMLInputElement>('opacity').value),
      colormap: colormap.value as ColormapChoice,
      clipPercent: Number($<HTMLInputElement>('clip').value),
      sign: sign.value as SignChoice,
    };
    $('clip-value').textContent = `${controls.clipPercent}%`;
    redraw();
  };
  for (const id of ['opacity', 'colormap', 'clip', 'sign']) $(id).addEventListener('input', update);
  const fit = $<HTMLSelectElement>('fit');
  for (const mode of FIT_MODES) option(fit, mode.id, mode.title);
  fit.addEventListener('input', () => void refreshInput());
  $<HTMLSelectElement>('preset').addEventListener('input', () => {
    const preset = $<HTMLSelectElement>('preset').value as keyof typeof NORMALIZATION_PRESETS | 'custom';
    if (preset !== 'custom') {
      $<HTMLInputElement>('mean').value = NORMALIZATION_PRESETS[preset].mean.join(', ');
      $<HTMLInputElement>('std').value = NORMALIZATION_PRESETS[preset].std.join(', ');
    }
    void refreshInput();
  });
  for (const id of ['mean', 'std']) {
    $(id).addEventListener('change', () => {
      $<HTMLSelectElement>('preset').value = 'custom';
      void refreshInput();
    });
  }
}

function normalizationFor(channels: number): Normalization {
  return {
    mean: parseChannelValues($<HTMLInputElement>('mean').value, channels, 'mean'),
    std: parseChannelValues($<HTMLInputElement>('std').value, channels, 'std'),
  };
}

function showSamples(): void {
  const box = $('samples');
  box.replaceChildren();
  samples.forEach((sample, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.title = sample.name;
    button.dataset.sample = String(i);
    const img = document.createElement('img');
    img.src = sample.url;
    img.alt = sample.name;
    button.append(img);
    button.addEventListener('click', () => void pickSample(i));
    box.append(button);
  });
}

function pickSample(index: number): Promise<void> {
  pictureChange = loadSample(index);
  return pictureChange;
}

async function loadSample(index: number): Promise<void> {
  const sample = samples[index]!;
  hook.targets = [];
  picture = { image: await decodeImage(sample.url), name: `${sample.name} (sample ${index})` };
  for (const b of $('samples').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.sample === String(index)));
  await refreshInput();
}

function pickImageFile(file: File): Promise<void> {
  pictureChange = loadImageFile(file);
  return pictureChange;
}

async function loadImageFile(file: File): Promise<void> {
  hook.targets = [];
  try {
    picture = { image: await decodeImage(file), name: file.name };
    for (const b of $('samples').querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    await refreshInput();
  } catch (error) {
    say($('image-note'), `Could not read ${file.name} as an image: ${(error as Error).message}`, true);
  }
}

/**
 * The model's input from the picture (fit, mean and std), what was done to it, and the classes
 * offered as targets with their probabilities. Runs again when any of those change.
 */
async function refreshInput(): Promise<void> {
  // Only the latest refresh shows its classes: an earlier one may finish after it.
  const generation = ++refreshes;
  clearResults();
  prepared = undefined;
  preparedFor = undefined;
  probabilities = undefined;
  hook.targets = [];
  const model = loaded;
  if (!model || !picture) return;
  const note = $('image-note');
  try {
    prepared = prepareInput(picture.image, model.shape, $<HTMLSelectElement>('fit').value as FitMode, normalizationFor(model.shape.channels));
    hook.note = prepared.note;
    say(note, `${picture.name}: ${prepared.note}`);
    const { logits } = await model.model.run({ input: prepared.input, outputs: ['logits'] });
    if (loaded !== model || generation !== refreshes) return;
    const ranked = topTargets(logits.data, labelsOf(model), Math.min(TARGET_CHOICES, logits.data.length));
    probabilities = softmax(logits.data);
    preparedFor = model;
    showTargets(ranked);
  } catch (error) {
    if (generation !== refreshes) return;
    prepared = undefined;
    say(note, (error as Error).message, true);
  }
}

function showTargets(ranked: RankedTarget[]): void {
  hook.targets = ranked.map((r) => ({ ...r }));
  const select = $<HTMLSelectElement>('target');
  const previous = select.value;
  select.replaceChildren();
  option(select, 'predicted', ranked.length ? `predicted: ${targetText(ranked[0]!)}` : 'predicted');
  for (const r of ranked) option(select, String(r.index), targetText(r));
  select.value = [...select.options].some((o) => o.value === previous) ? previous : 'predicted';
  $('prediction').textContent = `Prediction: ${ranked
    .slice(0, 3)
    .map((r) => `${r.name} ${(100 * r.probability).toFixed(1)}%`)
    .join(' · ')}`;
}

function describeModel(model: PlaygroundModel): string {
  return `${model.name}: input ${model.shape.height}×${model.shape.width}×${model.shape.channels}, ${labelsOf(model).length} class names, on ${model.backend}`;
}

function showRuntime(model: PlaygroundModel): void {
  const backend = BACKENDS.find((b) => b.name === model.backend)?.title ?? model.backend;
  $('runtime').textContent = model.runtime === 'onnx' ? `ONNX Runtime Web (${backend})` : `TensorFlow.js (${backend})`;
}

/** The current source's model, loaded on `backend` (loaded again when the backend or the source changed). */
async function modelOn(backend: BackendName): Promise<PlaygroundModel> {
  if (loaded && loaded.backend === backend && loaded.name === source.name) return loaded;
  loaded?.dispose();
  loaded = undefined;
  if (source.runtime === 'tfjs') await useBackend(tf, backend);
  const model = await source.load(tf, backend);
  loaded = model;
  hook.model = model.name;
  hook.backend = model.backend;
  say($('model-status'), describeModel(model));
  showRuntime(model);
  showModelChoices(model);
  return model;
}

async function useSource(next: ModelSource): Promise<void> {
  const status = $('model-status');
  const previous = source;
  say(status, `loading ${next.name}…`);
  source = next;
  showBackends(next.runtime);
  try {
    await modelOn(selectedBackend());
    await refreshInput();
  } catch (error) {
    source = previous;
    showBackends(previous.runtime);
    say(status, (error as Error).message, true);
  }
}

function useModelFiles(files: File[]): void {
  try {
    const next = droppedSource(files);
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name=model]')) r.checked = false;
    userLabels = undefined;
    void useSource(next);
  } catch (error) {
    say($('model-status'), (error as Error).message, true);
  }
}

async function useLabelsFile(file: File): Promise<void> {
  try {
    const labels = parseLabels(await file.text());
    if (labels.length === 0) throw new Error(`${file.name} has no class names.`);
    userLabels = labels;
    if (loaded) say($('model-status'), `${describeModel(loaded)}; class names from ${file.name}`);
    await refreshInput();
  } catch (error) {
    say($('model-status'), `Could not use ${file.name} as class names: ${(error as Error).message}`, true);
  }
}

function clearResults(): void {
  runs = [];
  hook.runs = [];
  $('results').replaceChildren();
}

function resultRow(id: string, title: string, detail: string): HTMLElement {
  const row = document.createElement('article');
  row.className = 'result pending';
  row.dataset.method = id;
  const heading = document.createElement('div');
  heading.className = 'about';
  heading.innerHTML = '<h2></h2><p class="detail"></p><p class="target"></p><p class="scale"></p><p class="facts"></p>';
  heading.querySelector('h2')!.textContent = title;
  heading.querySelector('.detail')!.textContent = detail;
  row.append(heading);
  for (const what of ['input', 'heatmap', 'overlay']) {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.dataset.kind = what;
    const caption = document.createElement('figcaption');
    caption.textContent = what;
    figure.append(canvas, caption);
    row.append(figure);
  }
  const bar = document.createElement('canvas');
  bar.dataset.kind = 'colorbar';
  bar.className = 'colorbar';
  row.append(bar);
  const side = document.createElement('div');
  side.className = 'side';
  side.innerHTML =
    '<div class="time">waiting</div><button type="button" class="download" data-download="npy" disabled>maps .npy</button><button type="button" class="download" data-download="png" disabled>figure .png</button>';
  row.append(side);
  return row;
}

function className(target: number): string {
  return loaded ? (labelsOf(loaded)[target] ?? `class ${target}`) : `class ${target}`;
}

function runFileStem(run: MethodRun): string {
  return `${fileStem(loaded?.name ?? 'model')}-${run.choice.id}-class${run.attribution.targets[0]}`;
}

function downloadNpy(run: MethodRun): void {
  download(encodeNpy(run.attribution.values), `${runFileStem(run)}.npy`, 'application/octet-stream');
}

function downloadFigure(run: MethodRun): void {
  if (!prepared) return;
  const { sign, colormap } = resolveDisplay(controls, run.choice.signed);
  const target = run.attribution.targets[0]!;
  const png = attributionFigure(run.attribution, {
    image: prepared.seen,
    display: { sign, outlierPercent: controls.clipPercent },
    method: run.choice.title,
    className: className(target),
    probability: probabilities?.[target],
    colormap,
  });
  download(encodePng(png), `${runFileStem(run)}.png`, 'image/png');
}

/** Integrated gradients' completeness check: how far the scores' sum is from f(x) − f(baseline). */
function convergenceText(run: MethodRun): string {
  const delta = run.attribution.meta.delta;
  if (!(delta instanceof Float32Array) || delta.length === 0) return '';
  let sum = 0;
  for (const v of run.attribution.values.data) sum += v;
  return `convergence ${convergenceSummary(delta[0]!, sum).text}`;
}

function drawRun(run: MethodRun): void {
  const row = $('results').querySelector<HTMLElement>(`[data-method="${run.choice.id}"]`);
  if (!row || !prepared) return;
  const seen = prepared.seen;
  const pictures = picturesOf(run.attribution, seen, controls, run.choice.signed, PANEL);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=input]')!, seen);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=heatmap]')!, pictures.heatmap);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=overlay]')!, pictures.overlay);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=colorbar]')!, pictures.colorbar);
  const target = run.attribution.targets[0]!;
  const p = probabilities?.[target];
  row.querySelector('.target')!.textContent =
    `target ${className(target)} (class ${target})${p === undefined ? '' : `, p = ${p.toFixed(3)}`}${typeof run.attribution.meta.layer === 'string' ? ` · layer ${run.attribution.meta.layer}` : ''}`;
  row.querySelector('.scale')!.textContent = `${pictures.sign === 'all' ? 'signed: red adds to the class, blue takes away; ' : ''}${scaleLabel(pictures.scale)}`;
  row.querySelector('.facts')!.textContent = convergenceText(run);
  row.querySelector('.time')!.textContent = `${run.ms.toFixed(0)} ms`;
  for (const button of row.querySelectorAll<HTMLButtonElement>('button.download')) button.disabled = false;
  row.classList.remove('pending');
  const drawn = drawnRun(run, pictures);
  const at = hook.runs.findIndex((r) => r.id === drawn.id);
  if (at >= 0) hook.runs[at] = drawn;
  else hook.runs.push(drawn);
}

function redraw(): void {
  for (const run of runs) drawRun(run);
}

function chosenTarget(classes: number): Target {
  return chooseTarget($<HTMLSelectElement>('target').value, $<HTMLInputElement>('target-index').value, classes);
}

async function explain(): Promise<void> {
  const status = $('run-status');
  await pictureChange;
  if (!picture) {
    say(status, 'Pick an image first.', true);
    return;
  }
  const chosen = METHOD_CHOICES.filter((c) => document.querySelector<HTMLInputElement>(`input[name=method][value="${c.id}"]`)?.checked);
  if (chosen.length === 0) {
    say(status, 'Choose at least one method.', true);
    return;
  }
  const problem = chosen.map((c) => settingsProblem(c, settingsOf(c))).find((p) => p !== null);
  if (problem) {
    say(status, problem, true);
    return;
  }
  const backend = selectedBackend();
  controller = new AbortController();
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  const progress = $<HTMLProgressElement>('progress');
  progress.value = 0;
  hook.status = 'running';
  try {
    say(status, `starting ${source.runtime === 'onnx' ? 'onnxruntime-web' : 'tfjs'} ${backend}…`);
    const model = await modelOn(backend);
    if (!prepared || preparedFor !== model) await refreshInput();
    const input = prepared;
    if (!input) throw new Error($('image-note').textContent || 'The picture could not be made into the model input.');
    clearResults();
    const normalization = normalizationFor(model.shape.channels);
    for (const c of chosen) $('results').append(resultRow(c.id, c.title, c.describe(model.shape, settingsOf(c, normalization))));
    runs = await runMethods(model.model, input.input, model.shape, chosen, {
      target: chosenTarget(probabilities?.length ?? labelsOf(model).length),
      settings: (c) => settingsOf(c, normalization),
      signal: controller.signal,
      onProgress: (index, fraction) => {
        progress.value = (index + fraction) / chosen.length;
        say(status, `${chosen[index]!.title} on ${backend}: ${(100 * fraction).toFixed(0)}%`);
      },
      onResult: (run) => {
        runs.push(run);
        drawRun(run);
      },
    });
    hook.status = 'done';
    say(status, `${runs.length} method(s) on ${backend} in ${runs.reduce((s, r) => s + r.ms, 0).toFixed(0)} ms`);
  } catch (error) {
    if (error instanceof AbortError) {
      hook.status = 'cancelled';
      say(status, 'cancelled');
    } else {
      hook.status = 'error';
      hook.message = (error as Error).message;
      say(status, (error as Error).message, true);
    }
  } finally {
    $<HTMLButtonElement>('run').disabled = false;
    $<HTMLButtonElement>('cancel').disabled = true;
    controller = undefined;
  }
}

function setUpInputs(): void {
  $('run').addEventListener('click', () => void explain());
  $('cancel').addEventListener('click', () => controller?.abort());
  $('results').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.download');
    const id = button?.closest<HTMLElement>('[data-method]')?.dataset.method;
    const run = runs.find((r) => r.choice.id === id);
    if (!button || !run) return;
    if (button.dataset.download === 'npy') downloadNpy(run);
    else downloadFigure(run);
  });
  $<HTMLInputElement>('image-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void pickImageFile(file);
  });
  $<HTMLInputElement>('labels-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void useLabelsFile(file);
  });
  $<HTMLInputElement>('model-files').addEventListener('change', (event) => {
    const files = [...((event.target as HTMLInputElement).files ?? [])];
    if (files.length > 0) useModelFiles(files);
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=model]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      userLabels = undefined;
      void useSource(radio.value === 'builtin-onnx' ? BUILTIN_ONNX_SOURCE : BUILTIN_SOURCE);
    });
  }
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    const files = [...(event.dataTransfer?.files ?? [])];
    const modelFiles = files.filter((f) => /\.(json|bin|onnx)$/i.test(f.name));
    const image = files.find((f) => f.type.startsWith('image/'));
    if (modelFiles.length > 0) useModelFiles(modelFiles);
    else if (image) void pickImageFile(image);
  });
}

async function start(): Promise<void> {
  setUpMethods();
  setUpControls();
  setUpInputs();
  await setUpBackends();
  try {
    await modelOn(selectedBackend());
    samples = await builtinSamples();
    showSamples();
    await pickSample(0);
    hook.status = 'ready';
  } catch (error) {
    hook.status = 'error';
    hook.message = (error as Error).message;
    say($('model-status'), `Could not load the built-in model: ${(error as Error).message}`, true);
  }
}

void start();
