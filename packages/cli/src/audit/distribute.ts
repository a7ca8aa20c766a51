import type { AuditRecord } from '@salience/audit';
import type { AuditState } from './state.js';

/** A dataset of an audit as its chunks are handed out. */
export interface DistributedDataset {
  readonly name: string;
  /** Examples in the dataset. */
  readonly count: number;
  /** Chunks in the dataset: ceil(count / chunkSize). */
  readonly chunks: number;
}

/**
 * What an audit hands to a distributor once its configuration is settled and its state folder is
 * open, before it reads the chunks: enough to compute any chunk here, or to know which chunks
 * other machines must leave in `state.dir`.
 */
export interface ChunkWork {
  /** The resume key of `run.json`: the same key means the same records. */
  readonly key: Readonly<Record<string, unknown>>;
  readonly state: AuditState;
  readonly datasets: readonly DistributedDataset[];
  readonly chunkSize: number;
  /** Models per chunk (the audited one, and the compared one if any): one record file each. */
  readonly models: number;
  /** Runs every method of every model on chunk `chunk` of dataset `dataset`: one list of records per model. */
  compute(dataset: number, chunk: number): Promise<AuditRecord[][]>;
}

/**
 * Takes over the chunks before the audit reads them (shards, a work queue, a merge). When it
 * returns, the audit reads every chunk from `state.dir` (computing any that is still missing) and
 * writes the report; to end the audit without a report, it throws.
 */
export type ChunkDistributor = (work: ChunkWork) => Promise<void>;

/** The chunks of an audit in one order, the same on every machine: dataset by dataset, chunk by chunk. */
export function listChunks(
  datasets: readonly DistributedDataset[],
  chunkSize: number,
): { dataset: number; name: string; chunk: number; first: number; count: number; global: number }[] {
  const chunks: { dataset: number; name: string; chunk: number; first: number; count: number; global: number }[] = [];
  for (const [d, dataset] of datasets.entries()) {
    for (let c = 0; c < dataset.chunks; c++) {
      const first = c * chunkSize;
      chunks.push({ dataset: d, name: dataset.name, chunk: c, first, count: Math.min(dataset.count, first + chunkSize) - first, global: chunks.length });
    }
  }
  return chunks;
}
