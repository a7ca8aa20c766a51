import { type Model, OptionError, type TensorData, throwIfAborted } from '@salience/core';
import type { RgbaImage } from '@salience/render';
import { type AuditBatchOptions, type AuditExample, type AuditMethod, auditBatch } from './audit-batch.js';
import { AuditCollector, type AuditCollectorOptions, type AuditResult } from './audit-collector.js';

/** One batch of a dataset: the input rows and who they are. */
export interface DatasetBatch {
  readonly input: TensorData;
  readonly examples: readonly AuditExample[];
  readonly images?: readonly (RgbaImage | undefined)[];
}

/** A dataset to audit: a name ('clean', 'shifted'...) and its batches, produced one at a time. */
export interface AuditDataset {
  readonly name: string;
  readonly batches: Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>;
}

export interface AuditDatasetOptions extends Omit<AuditBatchOptions, 'images' | 'firstIndex' | 'onProgress'>, Omit<AuditCollectorOptions, 'regions'> {
  /** Models compared with the audited one on the same examples, by name. */
  readonly compareWith?: Readonly<Record<string, Model>>;
  /** Name of the audited model in the result; default 'model'. */
  readonly modelName?: string;
  /** Called after each batch with the dataset's name and the examples done in it. */
  readonly onBatch?: (dataset: string, done: number) => void;
}

/**
 * Audits whole datasets in one call: every batch through `auditBatch` for the audited model and
 * each compared model, straight into an `AuditCollector`. Batches are pulled one at a time, so an
 * async generator that loads them keeps memory bounded. (`salience audit` runs the same loop with
 * its records kept on disk, to resume after an interruption.)
 */
export async function auditDataset(model: Model, methods: readonly AuditMethod[], datasets: readonly AuditDataset[], options: AuditDatasetOptions): Promise<AuditResult> {
  const name = options.modelName ?? 'model';
  const models: [string, Model][] = [[name, model], ...Object.entries(options.compareWith ?? {})];
  if (new Set(models.map(([n]) => n)).size !== models.length) throw new OptionError(`The compared models need names other than '${name}' and each other's.`);
  const collector = new AuditCollector(options);
  for (const dataset of datasets) {
    let done = 0;
    for await (const batch of dataset.batches) {
      throwIfAborted(options.signal);
      const byModel: Record<string, Awaited<ReturnType<typeof auditBatch>>['records']> = {};
      for (const [modelName, m] of models) {
        byModel[modelName] = (await auditBatch(m, methods, batch.input, batch.examples, { ...options, images: batch.images, firstIndex: done })).records;
      }
      collector.add(dataset.name, byModel);
      done += batch.examples.length;
      options.onBatch?.(dataset.name, done);
    }
  }
  return collector.result();
}
