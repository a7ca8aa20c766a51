/**
 * @packageDocumentation
 * Pictures of attributions, in Node and in browsers: colormaps, display maps (Captum's
 * visualisation rules) with their scale in raw units, heatmaps and overlays, Captum-style figures
 * (`original | heat map | blended` with a colorbar and a title), grids, PNG, a self-contained HTML
 * report, and token scores as HTML or ANSI. Writing files lives in `@salience/render/node`.
 */

export { rgbToAnsi256 } from './ansi-colour.js';
export { toBase64 } from './base64.js';
export type { CanvasTarget, DrawOptions } from './canvas.js';
export { drawToCanvas, toImageData } from './canvas.js';
export type { ColorbarOptions } from './colorbar.js';
export { colorbarImage, cssGradient } from './colorbar.js';
export type { UnitsColorbarOptions } from './colorbar-units.js';
export { colorbarTicks, colorbarWithUnits } from './colorbar-units.js';
export type { Colormap, ColormapKind, ColormapName, DivergingColormapName, Rgb, SequentialColormapName } from './colormap.js';
export {
  COLORMAP_NAMES,
  colormap,
  colormapFromFunction,
  colormapFromLut,
  colormapFromStops,
  DIVERGING_COLORMAPS,
  LUT_SIZE,
  readableTextColour,
  relativeLuminance,
  rgbToHex,
  SEQUENTIAL_COLORMAPS,
} from './colormap.js';
export type { DisplayLayout, DisplayMapOptions, DisplayScale, DisplaySign } from './display-map.js';
export { DISPLAY_SIGNS, displayScales, toDisplayMap } from './display-map.js';
export { drawImage } from './draw-image.js';
export type { AttributionFigureOptions, FigureInput } from './figure.js';
export { attributionFigure, figure, figureTitle } from './figure.js';
export { drawText, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, measureText } from './font.js';
export type { GridLabels, GridOptions } from './grid.js';
export { grid } from './grid.js';
export type { HeatmapOptions } from './heatmap.js';
export { DEFAULT_DIVERGING_COLORMAP, DEFAULT_SEQUENTIAL_COLORMAP, heatmapImage } from './heatmap.js';
export { htmlDocument } from './html-document.js';
export { escapeHtml } from './html-escape.js';
export type { Rgba, RgbaImage } from './image.js';
export { assertImage, createImage, pixelAt } from './image.js';
export type { InputImageOptions } from './input-image.js';
export { inputToImage } from './input-image.js';
export type { OverlayOptions } from './overlay.js';
export { overlay } from './overlay.js';
export { decodePng, encodePng, pngDataUri } from './png.js';
export type { RankedClass } from './predictions.js';
export { softmax, topK } from './predictions.js';
export type { ReportDisplay, ReportExample, ReportInput, ReportMethod } from './report.js';
export { htmlReport } from './report.js';
export type { ConvergenceSummary } from './report-pieces.js';
export { convergenceSummary, parameterChips } from './report-pieces.js';
/** The report's stylesheet, for other self-contained pages in the same look (the audit report). */
export { REPORT_CSS as REPORT_STYLESHEET } from './report-style.js';
export type { ResizeMode } from './resize.js';
export { resizeImage, resizeMap } from './resize.js';
export { formatTick, scaleLabel, unitsLabel } from './scale-label.js';
export type { AnsiColors, TokensAnsiOptions } from './token-ansi.js';
export { ansiColour, tokensToAnsi } from './token-ansi.js';
export type { TokenColourOptions } from './token-colours.js';
export type { TokensHtmlOptions } from './token-html.js';
export { tokensToHtml } from './token-html.js';
export type { TextSize } from './typeface.js';
export { drawLabel, fitLabel, measureLabel, TEXT_SIZES } from './typeface.js';
