/**
 * @packageDocumentation
 * Pictures of attributions, in Node and in browsers: colormaps, display maps (Captum's
 * visualisation rules) with their scale in raw units, heatmaps and overlays, Captum-style figures
 * (`original | heat map | blended` with a colorbar and a title), grids, PNG, a self-contained HTML
 * report, and token scores as HTML or ANSI. Writing files lives in `@salience/render/node`.
 */
export type { Rgb, ColormapKind, ColormapName, SequentialColormapName, DivergingColormapName, Colormap } from './colormap.js';
export {
  LUT_SIZE,
  COLORMAP_NAMES,
  SEQUENTIAL_COLORMAPS,
  DIVERGING_COLORMAPS,
  colormap,
  colormapFromFunction,
  colormapFromStops,
  colormapFromLut,
  rgbToHex,
  relativeLuminance,
  readableTextColour,
} from './colormap.js';

export type { DisplayLayout, DisplaySign, DisplayMapOptions, DisplayScale } from './display-map.js';
export { DISPLAY_SIGNS, toDisplayMap, displayScales } from './display-map.js';
export { scaleLabel, unitsLabel, formatTick } from './scale-label.js';

export type { RgbaImage, Rgba } from './image.js';
export { createImage, assertImage, pixelAt } from './image.js';

export type { ResizeMode } from './resize.js';
export { resizeMap, resizeImage } from './resize.js';

export type { HeatmapOptions } from './heatmap.js';
export { DEFAULT_SEQUENTIAL_COLORMAP, DEFAULT_DIVERGING_COLORMAP, heatmapImage } from './heatmap.js';

export type { OverlayOptions } from './overlay.js';
export { overlay } from './overlay.js';

export type { InputImageOptions } from './input-image.js';
export { inputToImage } from './input-image.js';

export type { GridLabels, GridOptions } from './grid.js';
export { grid } from './grid.js';
export { GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ADVANCE, measureText, drawText } from './font.js';
export type { TextSize } from './typeface.js';
export { TEXT_SIZES, measureLabel, fitLabel, drawLabel } from './typeface.js';
export { drawImage } from './draw-image.js';

export type { FigureInput, AttributionFigureOptions } from './figure.js';
export { figure, figureTitle, attributionFigure } from './figure.js';

export { encodePng, decodePng, pngDataUri } from './png.js';
export { toBase64 } from './base64.js';

export type { ColorbarOptions } from './colorbar.js';
export { colorbarImage, cssGradient } from './colorbar.js';
export type { UnitsColorbarOptions } from './colorbar-units.js';
export { colorbarWithUnits, colorbarTicks } from './colorbar-units.js';

export type { ReportInput, ReportExample, ReportMethod, ReportDisplay } from './report.js';
export { htmlReport } from './report.js';
export type { ConvergenceSummary } from './report-pieces.js';
export { parameterChips, convergenceSummary } from './report-pieces.js';
/** The report's stylesheet, for other self-contained pages in the same look (the audit report). */
export { REPORT_CSS as REPORT_STYLESHEET } from './report-style.js';
export type { RankedClass } from './predictions.js';
export { softmax, topK } from './predictions.js';
export { escapeHtml } from './html-escape.js';
export { htmlDocument } from './html-document.js';

export type { TokenColourOptions } from './token-colours.js';
export type { TokensHtmlOptions } from './token-html.js';
export { tokensToHtml } from './token-html.js';
export type { AnsiColors, TokensAnsiOptions } from './token-ansi.js';
export { tokensToAnsi, ansiColour } from './token-ansi.js';
export { rgbToAnsi256 } from './ansi-colour.js';

export type { CanvasTarget, DrawOptions } from './canvas.js';
export { toImageData, drawToCanvas } from './canvas.js';
