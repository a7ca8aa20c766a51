import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));

describe('the salience executable', () => {
  it('stops quietly when the reader closes the pipe early (salience ... | head -1)', () => {
    // `head -1` exits after one line; the help is longer than a pipe write, so later writes hit EPIPE.
    const run = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --conditions=@salience/source --import tsx "${bin}" explain --help | head -1`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout).toBe('Usage: salience explain [options]\n');
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.status).toBe(0);
  });
});
