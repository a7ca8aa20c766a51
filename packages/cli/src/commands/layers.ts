import { chooseLayer } from '@salience/grad-cam';
import type { CliContext } from '../cli-context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { BUILTIN_MODEL } from '../models/builtin.js';
import { checkDeclaredLayout } from '../models/layout-check.js';
import { loadModelFile } from '../models/model-file.js';
import { formatShape, shown } from '../outputs/display.js';
import { type LayersFlags, parseBackend, parseLayout } from '../program.js';

/** `salience layers`: what --layer can name, with output shapes and Grad-CAM's default. */
export async function runLayers(flags: LayersFlags, context: CliContext, cwd: string): Promise<number> {
  const loader = context.loadModel ?? loadModelFile;
  const loaded = await loader(flags.model ?? BUILTIN_MODEL, {
    backend: parseBackend(flags.backend) ?? 'wasm',
    layout: parseLayout(flags.layout),
    signal: context.signal,
    inputName: flags.inputName,
  });
  try {
    checkDeclaredLayout(parseLayout(flags.layout), loaded.model.inputShape);
    const layers = loaded.model.layers();
    let gradCamDefault: string | undefined;
    try {
      gradCamDefault = chooseLayer(layers, undefined).info.name;
    } catch {
      gradCamDefault = undefined;
    }
    if (flags.json) {
      context.stdout.write(
        `${JSON.stringify({ model: flags.model ?? 'built-in', format: loaded.format, layout: loaded.model.layout, inputShape: loaded.model.inputShape, gradCamDefault: gradCamDefault ?? null, layers }, null, 2)}\n`,
      );
      return EXIT_CODES.ok;
    }
    const nameWidth = Math.max(4, ...layers.map((l) => l.name.length));
    const kindWidth = Math.max(4, ...layers.map((l) => l.kind.length));
    const lines = [`${shown(flags.model ?? 'built-in model', cwd)}: ${loaded.format}, input ${formatShape(loaded.model.inputShape)} ${loaded.model.layout}`, ''];
    lines.push(`${'name'.padEnd(nameWidth)}  ${'kind'.padEnd(kindWidth)}  output`);
    for (const l of layers) {
      const mark = l.name === gradCamDefault ? '  <- Grad-CAM default' : l.spatial ? '  (spatial)' : '';
      lines.push(`${l.name.padEnd(nameWidth)}  ${l.kind.padEnd(kindWidth)}  ${formatShape(l.outputShape)}${mark}`);
    }
    context.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_CODES.ok;
  } finally {
    loaded.dispose();
  }
}
