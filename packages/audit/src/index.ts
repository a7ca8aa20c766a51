/**
 * @packageDocumentation
 * Saliency audits: run attribution methods over a whole dataset batch by batch, keep a summary of
 * each map, and group them the way the literature advises inspecting saliency: correct against
 * incorrect predictions (with the confusion pairs), clean against shifted data, per-class mean
 * maps, the examples whose saliency sits on the border or outside the object, and two models side
 * by side. Findings flag classes whose saliency concentrates in a corner or on the border, where
 * watermarks and artifacts live. `auditReportHtml` turns the result into a self-contained page.
 */

export type { AuditBatchOptions, AuditBatchResult, AuditExample, AuditMethod, AuditRecord, ExampleFacts } from './audit-batch.js';
export { auditBatch } from './audit-batch.js';
export type {
  AuditCollectorOptions,
  AuditResult,
  Comparison,
  ConfusionPair,
  ExamplePair,
  ExampleRef,
  GroupSummary,
  MethodSummary,
} from './audit-collector.js';
export { AuditCollector } from './audit-collector.js';
export type { AuditDataset, AuditDatasetOptions, DatasetBatch } from './audit-dataset.js';
export { auditDataset } from './audit-dataset.js';
export type { ClassMeansFigureOptions } from './audit-pictures.js';
export { classMeansFigure } from './audit-pictures.js';
export type { AuditReportOptions } from './audit-report.js';
export { auditReportHtml } from './audit-report.js';
export { classLabel, describeFinding } from './describe-finding.js';
export type { ExampleMap } from './example-map.js';
export { DEFAULT_THUMBNAIL_SIDE, summariseMap, thumbnailSize } from './example-map.js';
export type { Finding, FindingOptions } from './findings.js';
export { findConcentrations, flagShare, isOutsideRegion } from './findings.js';
export type { MeanMap } from './mean-map.js';
export { decodeRecords, encodeRecords, RecordFileError } from './record-codec.js';
export type { Box, CornerName, Region } from './regions.js';
export { borderRegion, boxRegion, CORNER_NAMES, cornerRegions, defaultBorderWidth, defaultRegions, outsideRegion } from './regions.js';
