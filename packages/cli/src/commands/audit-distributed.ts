import type { ChunkDistributor } from '../audit/distribute.js';
import { createAuditProgress } from '../audit/progress.js';
import { DEFAULT_ATTEMPTS, parseQueueUrl, queueDistributor } from '../audit/queue.js';
import { mergeDistributor, parseShard, ShardDone, shardDistributor } from '../audit/shards.js';
import { formatAuditSummary } from '../audit/summary.js';
import type { CliContext } from '../cli-context.js';
import { usageError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { parseInteger } from '../methods/option-values.js';
import { shown } from '../outputs/display.js';
import { progressMode } from '../outputs/progress.js';
import { type AuditFlags, auditRequest } from '../program.js';
import { audit } from './audit.js';

/** The options of `salience audit` that spread it over machines. */
export interface DistributedAuditFlags {
  /** `K/N`: compute only this shard's chunks. */
  readonly shard?: string;
  /** `salience audit merge DIR...`: the folders whose records make the report. */
  readonly merge?: readonly string[];
  /** A Redis URL: put the chunks on a BullMQ queue for `salience worker`. */
  readonly queue?: string;
  readonly queueName?: string;
  readonly attempts?: string;
}

/** Whether an audit's flags ask for shards, a merge or a queue. */
export function isDistributed(flags: DistributedAuditFlags): boolean {
  return flags.shard !== undefined || flags.merge !== undefined || flags.queue !== undefined;
}

/**
 * `salience audit --shard K/N` (this machine's share of the chunks, no report), `salience audit
 * merge DIR...` (the report from the shards' records) and `salience audit --queue URL` (the chunks
 * computed by `salience worker`s, then the report). Merge and queue give the report of a
 * one-machine run: the same records, read in the same order.
 */
export async function runDistributedAudit(flags: AuditFlags & DistributedAuditFlags, context: CliContext, cwd: string): Promise<number> {
  const modes = [flags.shard !== undefined && '--shard', flags.merge !== undefined && 'merge', flags.queue !== undefined && '--queue'].filter(Boolean);
  if (modes.length > 1) throw usageError(`${modes.join(' and ')} do not go together: shards compute their chunks, a merge reads them, a queue hands them to workers.`);
  if (flags.merge !== undefined && flags.merge.length === 0) throw usageError('salience audit merge needs the folders to merge: the --out folders of the shards.');
  if ((flags.queueName !== undefined || flags.attempts !== undefined) && flags.queue === undefined) throw usageError('--queue-name and --attempts go with --queue.');
  const request = auditRequest(flags, context.signal);
  const mode = progressMode(context.stderr, { json: Boolean(flags.json), quiet: Boolean(flags.quiet), noProgress: !flags.progress });
  const note = (message: string) => {
    if (!flags.quiet) context.stderr.write(`note: ${message}\n`);
  };
  const progress = createAuditProgress(mode, context.stderr);

  let distribute: ChunkDistributor;
  if (flags.shard !== undefined) distribute = shardDistributor(parseShard(flags.shard), { progress, signal: context.signal });
  else if (flags.merge !== undefined) distribute = mergeDistributor(flags.merge, { note });
  else {
    const url = parseQueueUrl(flags.queue as string);
    const attempts = flags.attempts === undefined ? DEFAULT_ATTEMPTS : parseInteger(flags.attempts, '--attempts', 1);
    distribute = queueDistributor(request, {
      url,
      name: flags.queueName,
      attempts,
      signal: context.signal,
      report: (line) => (flags.quiet ? undefined : context.stderr.write(`${line}\n`)),
    });
  }

  try {
    const summary = await audit(request, { loadModel: context.loadModel, progress, note, distribute });
    if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else if (!flags.quiet) context.stdout.write(formatAuditSummary(summary, shown(summary.out, cwd)));
    return flags.failOnFindings && summary.findings.length > 0 ? EXIT_CODES.findings : EXIT_CODES.ok;
  } catch (error) {
    if (!(error instanceof ShardDone)) throw error;
    const { summary } = error;
    if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else if (!flags.quiet) {
      const { chunks, shard } = summary;
      context.stdout.write(
        `\nShard ${shard.index}/${shard.count}: ${chunks.mine.length} of ${chunks.total} chunks (${chunks.computed} computed, ${chunks.resumed} from an earlier run), ${(summary.timeMs / 1000).toFixed(1)} s; records in ${shown(summary.out, cwd)}/.salience-audit/.\nWhen every shard is done: salience audit merge <the shards' --out folders> with the same options and a new --out.\n`,
      );
    }
    return EXIT_CODES.ok;
  }
}
