import { CommanderError } from 'commander';
import { createAuditProgress } from './audit/progress.js';
import { formatAuditSummary } from './audit/summary.js';
import type { CliContext } from './cli-context.js';
import { audit } from './commands/audit.js';
import { isDistributed, runDistributedAudit } from './commands/audit-distributed.js';
import { isTextAudit, runTextAudit } from './commands/audit-text.js';
import { explain } from './commands/explain.js';
import type { ExplainSummary } from './commands/explain-outputs.js';
import { isTextInvocation, runExplainText } from './commands/explain-text.js';
import { runLayers } from './commands/layers.js';
import { runWorker } from './commands/worker.js';
import { EXIT_CODES } from './exit-codes.js';
import { describeFailure } from './failure.js';
import { formatShape, shown } from './outputs/display.js';
import { createProgress, type ProgressStream, progressMode } from './outputs/progress.js';
import { type AuditFlags, auditRequest, buildProgram, explainRequest, type Invocation } from './program.js';
import { packageVersion } from './version.js';

export type { CliContext } from './cli-context.js';

function printExplainSummary(summary: ExplainSummary, out: ProgressStream, cwd: string): void {
  const folder = shown(summary.out, cwd);
  const lines = ['', `${summary.methods.length} method(s) on ${summary.examples.length} example(s), ${(summary.timeMs / 1000).toFixed(1)} s. Wrote ${folder}/:`];
  const width = Math.max(...summary.methods.map((m) => m.file.length), 11);
  for (const m of summary.methods) {
    lines.push(`  ${m.file.padEnd(width)}  ${formatShape(m.shape).padEnd(18)} ${m.layout.padEnd(5)} ${(m.timeMs / 1000).toFixed(2)} s`);
  }
  if (summary.grid) lines.push(`  ${summary.grid.padEnd(width)}  every overlay on one sheet (overlays/<method>/ has each one)`);
  if (summary.report) lines.push(`  ${summary.report.padEnd(width)}  the report: open ${folder}/${summary.report} in a browser`);
  if (summary.skipped.length > 0) lines.push(`  skipped: ${summary.skipped.map((s) => s.method).join(', ')} (this model cannot run them)`);
  out.write(`${lines.join('\n')}\n`);
}

async function runAudit(flags: AuditFlags, context: CliContext, cwd: string): Promise<number> {
  const request = auditRequest(flags, context.signal);
  const mode = progressMode(context.stderr, { json: Boolean(flags.json), quiet: Boolean(flags.quiet), noProgress: !flags.progress });
  const note = (message: string) => {
    if (!flags.quiet) context.stderr.write(`note: ${message}\n`);
  };
  if (request.model === undefined && mode !== 'silent') context.stderr.write('Auditing the built-in Fashion-MNIST model (give --model for your own).\n');
  const summary = await audit(request, { loadModel: context.loadModel, progress: createAuditProgress(mode, context.stderr), note });
  if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flags.quiet) context.stdout.write(formatAuditSummary(summary, shown(summary.out, cwd)));
  return flags.failOnFindings && summary.findings.length > 0 ? EXIT_CODES.findings : EXIT_CODES.ok;
}

/**
 * Runs the `salience` command line and returns its exit status; it never throws and never calls
 * `process.exit`, so it can be embedded and tested in-process.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const cwd = context.cwd ?? process.cwd();
  const json = argv.includes('--json');
  let invocation: Invocation | undefined;
  const program = buildProgram(
    (i) => {
      invocation = i;
    },
    await packageVersion(),
  );
  const output = { writeOut: (text: string) => void context.stdout.write(text), writeErr: (text: string) => void context.stderr.write(text) };
  program.configureOutput(output);
  for (const command of program.commands) command.configureOutput(output);

  const fail = (error: unknown): number => {
    const failure = describeFailure(error);
    context.stderr.write(`salience: ${failure.message}\n`);
    if (json) context.stdout.write(`${JSON.stringify({ tool: 'salience', ok: false, error: failure }, null, 2)}\n`);
    return failure.exitCode;
  };

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_CODES.ok;
      // Commander has printed the message; a bare `salience` printed the help.
      if (json) context.stdout.write(`${JSON.stringify({ tool: 'salience', ok: false, error: { exitCode: EXIT_CODES.usage, code: 'usage', message: error.message } }, null, 2)}\n`);
      return EXIT_CODES.usage;
    }
    return fail(error);
  }
  if (!invocation) return EXIT_CODES.usage;

  try {
    if (invocation.command === 'layers') return await runLayers(invocation.flags, context, cwd);
    if (invocation.command === 'worker') return await runWorker(invocation.flags, context);
    if (invocation.command === 'audit' && isTextAudit(invocation.flags)) return await runTextAudit(invocation.flags, context, cwd);
    if (invocation.command === 'audit' && isDistributed(invocation.flags)) return await runDistributedAudit(invocation.flags, context, cwd);
    if (invocation.command === 'audit') return await runAudit(invocation.flags, context, cwd);
    if (invocation.command === 'explain' && isTextInvocation(invocation.flags)) return await runExplainText(invocation.flags, context, cwd);
    const { flags } = invocation;
    const request = explainRequest(flags, context.signal);
    const mode = progressMode(context.stderr, { json: Boolean(flags.json), quiet: Boolean(flags.quiet), noProgress: !flags.progress });
    const note = (message: string) => {
      if (!flags.quiet) context.stderr.write(`note: ${message}\n`);
    };
    if (request.model === undefined && request.inputs.length === 0 && mode !== 'silent') {
      context.stderr.write('Explaining the built-in Fashion-MNIST model on its sample images (give --model and --input for your own).\n');
    }
    const summary = await explain(request, { loadModel: context.loadModel, progress: createProgress(mode, context.stderr), note });
    if (flags.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else if (!flags.quiet) printExplainSummary(summary, context.stdout, cwd);
    return EXIT_CODES.ok;
  } catch (error) {
    return fail(error);
  }
}
