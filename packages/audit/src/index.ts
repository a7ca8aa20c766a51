/**
 * @packageDocumentation
 * Saliency audits: run attribution methods over a whole dataset batch by batch, keep a summary of
 * each map, and group them the way the literature advises inspecting saliency: correct against
 * incorrect predictions (with the confusion pairs), clean against shifted data, per-class mean
 * maps, the examples whose saliency sits on the border or outside the object, and two models side
 * by side. Findings flag classes whose saliency concentrates in a corner or on the border, where
 * watermarks and artifacts live. `auditReportHtml` turns the result into a self-contained page.
 * Text audits (`TextAuditCollector`, `textAuditReportHtml`) do the same per token: the tokens
 * holding the most attribution mass for their frequency, and findings on punctuation, suspect
 * tokens and tokens that carry no label meaning.
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
export { describeTextFinding } from './text/describe-text-finding.js';
export type {
  ConcentratedExample,
  TextAuditCollectorOptions,
  TextAuditResult,
  TextClassSummary,
  TextComparison,
  TextGroupSummary,
  TextMethodSummary,
  TokenShift,
} from './text/text-collector.js';
export { TextAuditCollector } from './text/text-collector.js';
export type { TextAuditRecord } from './text/text-record.js';
export { decodeTextRecords, encodeTextRecords } from './text/text-record.js';
export type { TextAuditReportOptions } from './text/text-report.js';
export { textAuditReportHtml } from './text/text-report.js';
export type { LabelAssociation, TextFinding, TextFindingKind, TextFindingOptions } from './text/token-findings.js';
export { findTokenReliance, resolveTextFindingOptions } from './text/token-findings.js';
export { isPunctuation, PUNCTUATION_GROUP, parseSuspects, SUSPECT_GROUP, tokenDisplay, tokenGroups, tokenKey } from './text/token-groups.js';
export type { GroupStat, TokenStat } from './text/token-tally.js';
export { byLift, TokenTally } from './text/token-tally.js';
