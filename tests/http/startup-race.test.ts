import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, buildCliBeforeAll, freePort, processScope } from '../helpers/processes';
import { createSecretBox } from '../../src/services/secretBox';
import { loadMigrations } from '../../src/store/migrate';

/**
 * Several processes starting at once on one empty data directory (issue 9's workers, issue 11's
 * nodes): every one of them must come up, and each migration must be applied exactly once.
 */
buildCliBeforeAll();
const scope = processScope('keyhaven-race-');
const tempDir = scope.tempDir;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Tracked {
  exit: Promise<Exit>;
  output: () => string;
}

function track(child: ChildProcess): Tracked {
  scope.track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { exit: new Promise((r) => child.on('exit', (code) => r({ code, stdout, stderr }))), output: () => `${stdout}\n${stderr}` };
}

function appliedMigrations(dataDir: string) {
  const db = new Database(join(dataDir, 'keyhaven.db'), { readonly: true });
  try {
    return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
  } finally {
    db.close();
  }
}

describe('processes starting together on one empty data directory', () => {
  it('eight processes opening the store at the same instant all succeed; every migration is applied once', async () => {
    const work = tempDir();
    const data = join(work, 'data');
    const go = join(work, 'go');
    // Each process loads the store module, waits for the start signal, then opens (creates, migrates) the store.
    const script = join(work, 'open.mts');
    writeFileSync(
      script,
      `import { existsSync } from 'node:fs';
import { openStore } from ${JSON.stringify(join(ROOT, 'src/store/db.ts'))};
const [dir, go] = process.argv.slice(2);
process.stdout.write('ready\\n');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
const store = openStore(dir);
await store.close();
process.stdout.write('opened\\n');
`,
    );
    const procs = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, data, go], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let ready = '';
      const isReady = new Promise<void>((r) => child.stdout!.on('data', (d) => (ready += d).includes('ready') && r()));
      return { exit: track(child).exit, isReady };
    });
    await Promise.race([Promise.all(procs.map((p) => p.isReady)), Promise.all(procs.map((p) => p.exit))]);
    writeFileSync(go, '');
    const exits = await Promise.all(procs.map((p) => p.exit));
    for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('opened') });
    expect(appliedMigrations(data)).toEqual(loadMigrations().map((m) => m.version));
  }, 60_000);

  it('eight processes creating the master key at the same instant end up with one key', async () => {
    const work = tempDir();
    const data = join(work, 'data');
    mkdirSync(data);
    const go = join(work, 'go');
    const script = join(work, 'seal.mts');
    writeFileSync(
      script,
      `import { existsSync } from 'node:fs';
import { createSecretBox } from ${JSON.stringify(join(ROOT, 'src/services/secretBox.ts'))};
const [dir, go] = process.argv.slice(2);
process.stdout.write('ready\\n');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
process.stdout.write(createSecretBox({ dataDir: dir }).seal('hello', 'race') + '\\n');
`,
    );
    const procs = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, data, go], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let ready = '';
      const isReady = new Promise<void>((r) => child.stdout!.on('data', (d) => (ready += d).includes('ready') && r()));
      return { exit: track(child).exit, isReady };
    });
    await Promise.race([Promise.all(procs.map((p) => p.isReady)), Promise.all(procs.map((p) => p.exit))]);
    writeFileSync(go, '');
    const exits = await Promise.all(procs.map((p) => p.exit));
    const box = createSecretBox({ dataDir: data });
    for (const e of exits) {
      expect(e.code, e.stderr).toBe(0);
      expect(box.open(e.stdout.split('\n')[1]!, 'race')).toBe('hello');
    }
    expect(readdirSync(data)).toEqual(['master.key']);
  }, 60_000);

  it('three `keyhaven serve` processes started at once on an empty data directory all serve', async () => {
    const data = join(tempDir(), 'data');
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const servers = ports.map((port) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--data', data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      return { port, child, ...track(child) };
    });
    for (const s of servers) {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${s.port}/healthz`).catch(() => undefined);
        if (res?.status === 200) break;
        if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`serve on port ${s.port} did not come up (exit ${s.child.exitCode}):\n${s.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(appliedMigrations(data)).toEqual(loadMigrations().map((m) => m.version));
    // One master key for all of them: a key sealed by one process opens in every other one.
    expect(existsSync(join(data, 'master.key'))).toBe(true);
    const jwks = await Promise.all(servers.map(async (s) => (await (await fetch(`http://127.0.0.1:${s.port}/.well-known/jwks.json`)).json()).keys.length));
    for (const n of jwks) expect(n).toBeGreaterThanOrEqual(1);
    for (const s of servers) s.child.kill('SIGTERM');
    for (const s of servers) expect((await s.exit).code).toBe(0);
  }, 150_000);
});
