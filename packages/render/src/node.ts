/**
 * @packageDocumentation
 * Node-only helpers (`@salience/render/node`): writing PNGs and reports to disk. The main entry
 * stays free of `fs` so that it runs in browsers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RgbaImage } from './image.js';
import { encodePng } from './png.js';
import { htmlReport, type ReportInput } from './report.js';

/** Writes the image as a PNG, creating missing folders. */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  const bytes = encodePng(image);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** Writes `htmlReport(report)` to `path`, creating missing folders. */
export async function writeHtmlReport(path: string, report: ReportInput): Promise<void> {
  const html = htmlReport(report);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html, 'utf8');
}
