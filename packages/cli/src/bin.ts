#!/usr/bin/env node
import { runCli } from './main.js';

// Ctrl-C aborts between batches so the output folder is cleaned up; a second one exits at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new Error('interrupted'));
  // Methods stop within a batch; should one not, the command still ends (the exit handlers remove staged files).
  setTimeout(() => process.exit(130), 5000).unref();
});

// A reader that closes the pipe early (`salience explain --help | head`) has what it wants: stop
// quietly rather than die on an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
// After an interrupt nothing is left to wait for: a runtime's idle worker threads must not hold the exit up.
if (controller.signal.aborted) process.exit(process.exitCode);
