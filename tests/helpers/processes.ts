import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Tests that run the built CLI as real processes: the repository root and the entry point. */
export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/keyhaven.mjs');

/** Builds dist/ once for the file. */
export function buildCliBeforeAll(): void {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
  }, 60_000);
}

/** A free loopback port (closed again before it is returned). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * Temporary directories removed after the file, and child processes killed after each test.
 * Call once at the top level of a test file.
 */
export function processScope(prefix: string) {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    track<C extends ChildProcess>(child: C): C {
      children.push(child);
      return child;
    },
  };
}
