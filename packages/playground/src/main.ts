import { AbortError, type TensorData } from '@salience/core';
import { COLORMAP_NAMES, type ColormapName, DISPLAY_SIGNS, type DisplaySign, type RgbaImage, drawToCanvas, inputToImage, softmax, topK } from '@salience/render';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { BACKENDS, type BackendName, backendsOffered, useBackend } from './backends.js';
import { decodeImage } from './decode-image.js';
import { DEFAULT_CONTROLS, type DisplayControls, picturesOf } from './display.js';
import { imageToInput } from './image-input.js';
import { METHOD_CHOICES, type MethodId } from './methods.js';
import { BUILTIN_ONNX_SOURCE, BUILTIN_SOURCE, type BuiltinSample, type ModelSource, type PlaygroundModel, builtinSamples, droppedSource } from './models.js';
import { drawnRun, installHook } from './page-hook.js';
import { type MethodRun, runMethods } from './run-methods.js';

const DEFAULT_METHODS: readonly MethodId[] = ['gradient', 'integrated-gradients', 'grad-cam'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const hook = installHook();

let source: ModelSource = BUILTIN_SOURCE;
let loaded: PlaygroundModel | undefined;
let samples: BuiltinSample[] = [];
let picture: { image: RgbaImage; name: string } | undefined;
let runs: MethodRun[] = [];
let inputPicture: RgbaImage | undefined;
let controller: AbortController | undefined;
let controls: DisplayControls = DEFAULT_CONTROLS;

function say(element: HTMLElement, text: string, error = false): void {
  element.textContent = text;
  element.classList.toggle('error', error);
}

function option(select: HTMLSelectElement, value: string, text: string, disabled = false): void {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  o.disabled = disabled;
  select.append(o);
}

async function setUpBackends(): Promise<void> {
  const select = $<HTMLSelectElement>('backend');
  const why = await backendsOffered();
  for (const { name, title } of BACKENDS) {
    const reason = why.get(name) ?? null;
    option(select, name, reason ? `${title} (unavailable: ${reason})` : title, reason !== null);
  }
  select.value = BACKENDS.find((b) => why.get(b.name) === null)?.name ?? 'cpu';
}

function setUpMethods(): void {
  const box = $('methods');
  for (const choice of METHOD_CHOICES) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'method';
    input.value = choice.id;
    input.checked = DEFAULT_METHODS.includes(choice.id);
    label.append(input, ` ${choice.title}`);
    box.append(label);
  }
}

function setUpControls(): void {
  const colormap = $<HTMLSelectElement>('colormap');
  for (const name of COLORMAP_NAMES) option(colormap, name, name);
  colormap.value = controls.colormap;
  const sign = $<HTMLSelectElement>('sign');
  for (const s of DISPLAY_SIGNS) option(sign, s, s);
  sign.value = controls.sign;
  const update = () => {
    controls = {
      opacity: Number($<HTMLInputElement>('opacity').value),
      colormap: colormap.value as ColormapName,
      clipPercent: Number($<HTMLInputElement>('clip').value),
      sign: sign.value as DisplaySign,
    };
    $('clip-value').textContent = `${controls.clipPercent}%`;
    redraw();
  };
  for (const id of ['opacity', 'colormap', 'clip', 'sign']) $(id).addEventListener('input', update);
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

async function pickSample(index: number): Promise<void> {
  const sample = samples[index];
  picture = { image: await decodeImage(sample.url), name: `${sample.name} (sample ${index})` };
  for (const b of $('samples').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.sample === String(index)));
  clearResults();
}

async function pickImageFile(file: File): Promise<void> {
  try {
    picture = { image: await decodeImage(file), name: file.name };
    for (const b of $('samples').querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    clearResults();
    say($('run-status'), `image ${file.name}: ${picture.image.width}×${picture.image.height}`);
  } catch (error) {
    say($('run-status'), `Could not read ${file.name} as an image: ${(error as Error).message}`, true);
  }
}

const selectedBackend = () => $<HTMLSelectElement>('backend').value as BackendName;

function describeModel(model: PlaygroundModel): string {
  return `${model.name}: input ${model.shape.height}×${model.shape.width}×${model.shape.channels}, ${model.labels.length} classes, on ${model.backend}`;
}

/** The current source's model, loaded on `backend` (loaded again when the backend or the source changed). */
async function modelOn(backend: BackendName): Promise<PlaygroundModel> {
  if (loaded && loaded.backend === backend && loaded.name === source.name) return loaded;
  loaded?.dispose();
  loaded = undefined;
  if (source.runtime === 'tfjs') await useBackend(tf, backend);
  loaded = await source.load(tf, backend);
  hook.model = loaded.name;
  say($('model-status'), describeModel(loaded));
  return loaded;
}

async function useSource(next: ModelSource): Promise<void> {
  const status = $('model-status');
  const previous = source;
  say(status, `loading ${next.name}…`);
  source = next;
  // onnxruntime-web runs on WebAssembly or WebGPU only.
  const select = $<HTMLSelectElement>('backend');
  if (next.runtime === 'onnx' && select.value !== 'wasm' && select.value !== 'webgpu') select.value = 'wasm';
  try {
    await modelOn(selectedBackend());
    clearResults();
  } catch (error) {
    source = previous;
    say(status, (error as Error).message, true);
  }
}

function useModelFiles(files: File[]): void {
  try {
    const next = droppedSource(files);
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name=model]')) r.checked = false;
    void useSource(next);
  } catch (error) {
    say($('model-status'), (error as Error).message, true);
  }
}

function clearResults(): void {
  runs = [];
  hook.runs = [];
  $('results').replaceChildren();
  $('prediction').replaceChildren();
}

function resultRow(id: string, title: string, detail: string): HTMLElement {
  const row = document.createElement('article');
  row.className = 'result pending';
  row.dataset.method = id;
  const heading = document.createElement('div');
  heading.innerHTML = '<h2></h2><p></p>';
  heading.querySelector('h2')!.textContent = title;
  heading.querySelector('p')!.textContent = detail;
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
  const time = document.createElement('div');
  time.className = 'time';
  time.textContent = 'waiting';
  row.append(time);
  return row;
}

function drawRun(run: MethodRun): void {
  const row = $('results').querySelector<HTMLElement>(`[data-method="${run.choice.id}"]`);
  if (!row || !inputPicture) return;
  const pictures = picturesOf(run.attribution, inputPicture, controls);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=input]')!, inputPicture);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=heatmap]')!, pictures.heatmap);
  drawToCanvas(row.querySelector<HTMLCanvasElement>('canvas[data-kind=overlay]')!, pictures.overlay);
  row.querySelector('.time')!.textContent = `${run.ms.toFixed(0)} ms`;
  row.classList.remove('pending');
  const drawn = drawnRun(run, pictures);
  const at = hook.runs.findIndex((r) => r.id === drawn.id);
  if (at >= 0) hook.runs[at] = drawn;
  else hook.runs.push(drawn);
}

function redraw(): void {
  for (const run of runs) drawRun(run);
}

async function showPrediction(model: PlaygroundModel, input: TensorData): Promise<void> {
  const { logits } = await model.model.run({ input, outputs: ['logits'] });
  const ranked = topK(softmax(logits.data), 3);
  $('prediction').textContent = `Prediction: ${ranked.map((r) => `${model.labels[r.index] ?? r.index} ${(100 * r.score).toFixed(1)}%`).join(' · ')}`;
}

async function explain(): Promise<void> {
  const status = $('run-status');
  if (!picture) {
    say(status, 'Pick an image first.', true);
    return;
  }
  const chosen = METHOD_CHOICES.filter((c) => document.querySelector<HTMLInputElement>(`input[name=method][value="${c.id}"]`)?.checked);
  if (chosen.length === 0) {
    say(status, 'Choose at least one method.', true);
    return;
  }
  const backend = selectedBackend();
  clearResults();
  controller = new AbortController();
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  const progress = $<HTMLProgressElement>('progress');
  progress.value = 0;
  hook.status = 'running';
  try {
    say(status, `starting tfjs ${backend}…`);
    const model = await modelOn(backend);
    hook.backend = backend;
    const input = imageToInput(picture.image, model.shape);
    inputPicture = inputToImage(input, model.shape.layout ?? 'NHWC');
    for (const c of chosen) $('results').append(resultRow(c.id, c.title, c.describe(model.shape)));
    await showPrediction(model, input);
    runs = await runMethods(model.model, input, model.shape, chosen, {
      signal: controller.signal,
      onProgress: (index, fraction) => {
        progress.value = (index + fraction) / chosen.length;
        say(status, `${chosen[index].title} on ${backend}: ${(100 * fraction).toFixed(0)}%`);
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
  $<HTMLInputElement>('image-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void pickImageFile(file);
  });
  $<HTMLInputElement>('model-files').addEventListener('change', (event) => {
    const files = [...((event.target as HTMLInputElement).files ?? [])];
    if (files.length > 0) useModelFiles(files);
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=model]')) {
    radio.addEventListener('change', () => {
      if (radio.checked) void useSource(radio.value === 'builtin-onnx' ? BUILTIN_ONNX_SOURCE : BUILTIN_SOURCE);
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
