import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A real Redis on loopback, for the queue tests: no persistence, a port of its own. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops it and starts a new one on the same port: every key is gone (nothing is saved). */
  restart(): Promise<void>;
}

const MISSING =
  "redis-server is not installed, and the queue tests run a real Redis: install Debian's package (apt-get install redis-server), or set REDIS_SERVER to the binary. .ci/run installs it.";

async function freePort(): Promise<number> {
  return new Promise((found, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => found(port));
    });
  });
}

function launch(binary: string, port: number, timeoutMs: number): Promise<ChildProcess> {
  return new Promise((ready, fail) => {
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`redis-server did not start on port ${port} within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        ready(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      fail((error as { code?: string }).code === 'ENOENT' ? new Error(MISSING) : error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    });
  });
}

function stopped(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `redis-server` (Debian's, or $REDIS_SERVER) on 127.0.0.1 at a free port, without
 * persistence. Fails with a message saying how to install it when it is missing: the tests that
 * need it never skip.
 */
export async function startRedis(timeoutMs = 20_000): Promise<RedisServer> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new Error((probe.error as { code?: string }).code === 'ENOENT' ? MISSING : probe.error.message);
  const port = await freePort();
  let child = await launch(binary, port, timeoutMs);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopped(child, 10_000),
    async restart() {
      await stopped(child, 10_000);
      child = await launch(binary, port, timeoutMs);
    },
  };
}
