import { fileURLToPath } from 'node:url';
import { loadTextClassifier } from '@salience/text';
import * as ort from 'onnxruntime-node';
import { type PlainTextMaps, TEXT_CASE, textMaps } from './text-maps.js';

/**
 * The text maps on onnxruntime-node from the folder on disk: what the Node tests of @salience/text
 * compute. Run by the test server for the page (the `textMapsInNode` command in vitest.config.ts).
 */
export async function textMapsInNode(): Promise<PlainTextMaps> {
  const folder = fileURLToPath(new URL(`../../text/fixtures/${TEXT_CASE.folder}`, import.meta.url));
  const classifier = await loadTextClassifier(ort as never, folder, { onnx: { sessionOptions: { intraOpNumThreads: 1 } } });
  try {
    const batch = classifier.encode(TEXT_CASE.texts);
    const maps = await textMaps(classifier, TEXT_CASE.texts, TEXT_CASE.target);
    const plain = Object.fromEntries(Object.entries(maps).map(([name, map]) => [name, { data: Array.from(map.data), shape: Array.from(map.shape) }]));
    return {
      runtime: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(),
      ids: Array.from(batch.ids.data),
      tokens: batch.texts.map((t) => [...t.tokens]),
      offsets: batch.texts.map((t) => t.offsets.map(([s, e]) => [s, e] as [number, number])),
      maps: plain as PlainTextMaps['maps'],
    };
  } finally {
    classifier.dispose();
  }
}
