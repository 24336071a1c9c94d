import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/migrate';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/keyhaven.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
}, 60_000);
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'keyhaven-cli-'));
  dirs.push(d);
  return d;
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface Running {
  child: ChildProcess;
  stdout: () => string;
  lines: () => Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Starts `keyhaven serve` and resolves once it printed its URL. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: tempDir(),
    env: { ...process.env, KEYHAVEN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!/listening on http/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, stdout: () => out, lines, exited };
}

describe('keyhaven serve', () => {
  it('creates and migrates the data dir, prints the URL, logs JSON lines, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const data = join(tempDir(), 'fresh', 'data');
    const s = await serve(['--port', String(port), '--host', '127.0.0.1', '--data', data]);
    expect(s.stdout()).toContain(`http://127.0.0.1:${port}`);

    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    await fetch(`http://127.0.0.1:${port}/no/such/path?token=secret-value`);
    // A 24 KiB request line (percent-encoded multi-byte text) reaches the app instead of Node's bare 431.
    const long = await fetch(`http://127.0.0.1:${port}/healthz?q=${encodeURIComponent('🏻'.repeat(2048))}`);
    expect(long.status).toBe(400);
    expect((await long.json()).field).toBe('/query/q');
    // Beyond 64 KiB, Node refuses the request itself; the answer is still JSON.
    const huge = await fetch(`http://127.0.0.1:${port}/healthz?q=${'a'.repeat(70_000)}`);
    expect(huge.status).toBe(431);
    expect(huge.headers.get('content-type')).toMatch(/^application\/json/);

    // The database exists and every migration was applied.
    expect(existsSync(join(data, 'keyhaven.db'))).toBe(true);
    const db = new Database(join(data, 'keyhaven.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(loadMigrations().length);
    db.close();

    // One pino JSON line per request, without the query string.
    await new Promise((r) => setTimeout(r, 100));
    const requests = s.lines().filter((l) => l.msg === 'request');
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/healthz', status: 200, level: 30 }),
        expect.objectContaining({ method: 'GET', path: '/no/such/path', status: 404 }),
      ]),
    );
    expect(s.stdout()).not.toContain('secret-value');

    const started = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes port, host, data dir and issuer from KEYHAVEN_* variables', async () => {
    const port = await freePort();
    const data = join(tempDir(), 'env-data');
    const s = await serve([], {
      KEYHAVEN_PORT: String(port),
      KEYHAVEN_HOST: '127.0.0.1',
      KEYHAVEN_DATA: data,
      KEYHAVEN_ISSUER: 'https://id.example.test',
    });
    expect(s.stdout()).toContain(`http://127.0.0.1:${port}`);
    expect(s.stdout()).toContain('issuer https://id.example.test');
    expect(existsSync(join(data, 'keyhaven.db'))).toBe(true);
    // The issuer is what the server announces about itself.
    const meta = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(meta.status).toBe(200);
    expect((await meta.json()).issuer).toBe('https://id.example.test');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('shuts down promptly on SIGTERM even with an idle keep-alive connection open', async () => {
    const port = await freePort();
    const s = await serve(['--port', String(port), '--data', join(tempDir(), 'd')]);
    const { request } = await import('node:http');
    const agent = new (await import('node:http')).Agent({ keepAlive: true });
    await new Promise<void>((resolve) => request({ port, host: '127.0.0.1', path: '/healthz', agent }, (r) => r.resume().on('end', resolve)).end());
    const started = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    agent.destroy();
  });

  it('prints usage and exits 2 for an unknown command', () => {
    let status = 0;
    let out = '';
    try {
      execFileSync(process.execPath, [BIN, 'nope'], { encoding: 'utf8' });
    } catch (e) {
      status = (e as { status: number }).status;
      out = (e as { stdout: string }).stdout;
    }
    expect(status).toBe(2);
    expect(out).toContain('usage: keyhaven');
  });
});

describe('keyhaven clients create', () => {
  const run = (args: string[]) => {
    try {
      return { status: 0, stdout: execFileSync(process.execPath, [BIN, 'clients', 'create', ...args], { encoding: 'utf8', stdio: 'pipe' }), stderr: '' };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { status: err.status, stdout: err.stdout, stderr: err.stderr };
    }
  };
  const row = (data: string, clientId: string) => {
    const db = new Database(join(data, 'keyhaven.db'), { readonly: true });
    try {
      return db.prepare('SELECT * FROM oauth_clients WHERE client_id = ?').get(clientId) as Record<string, unknown>;
    } finally {
      db.close();
    }
  };

  it('registers a confidential code-flow client, prints its secret once and stores only its hash', async () => {
    const data = join(tempDir(), 'd');
    const redirect = 'http://127.0.0.1:4000/api/v1/sso/callback';
    const r = run(['--data', data, '--json', '--name', 'Downstream', '--redirect-uri', redirect, '--grant', 'authorization_code', '--confidential']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'Downstream', type: 'confidential', redirect_uris: [redirect], grant_types: ['authorization_code'], first_party: false });
    expect(out.client_id).toMatch(/^[0-9a-f]{32}$/);
    expect(out.client_secret).toMatch(/^[A-Za-z0-9]{40,60}$/);
    const stored = row(data, out.client_id);
    expect(stored).toMatchObject({ type: 'confidential', first_party: 0, redirect_uris: JSON.stringify([redirect]), secret_hash: createHash('sha256').update(out.client_secret).digest('base64url') });
    expect(JSON.stringify(stored)).not.toContain(out.client_secret);

    // The server accepts that secret at the token endpoint (a bogus code is invalid_grant, not invalid_client); another secret is 401.
    const port = await freePort();
    const s = await serve(['--port', String(port), '--data', data]);
    const token = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${out.client_id}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: redirect, code_verifier: 'v'.repeat(43) }),
      });
    const ok = await token(out.client_secret);
    expect(ok.status).toBe(400);
    expect((await ok.json()).error).toBe('invalid_grant');
    expect((await token(`${out.client_secret.slice(0, -1)}x`)).status).toBe(401);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('registers a public first-party client without a secret', () => {
    const data = join(tempDir(), 'd');
    const r = run(['--data', data, '--json', '--name', 'Native', '--redirect-uri', 'com.example.app:/callback', '--grant', 'authorization_code', '--grant', 'refresh_token', '--first-party']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ type: 'public', first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    expect(out.client_secret).toBeUndefined();
    expect(row(data, out.client_id)).toMatchObject({ type: 'public', secret_hash: null, first_party: 1 });
  });

  it.each([
    ['no redirect URI for the code flow', ['--name', 'X'], /needs at least one --redirect-uri/],
    ['http on a public host', ['--name', 'X', '--redirect-uri', 'http://app.example.com/cb', '--confidential'], /must use https/],
    ['a fragment', ['--name', 'X', '--redirect-uri', 'https://app.example.com/cb#x'], /fragment/],
    ['client_credentials for a public client', ['--name', 'X', '--grant', 'client_credentials'], /needs --confidential/],
    ['an unknown grant', ['--name', 'X', '--grant', 'password', '--confidential'], /unknown --grant password/],
    ['an unknown scope', ['--name', 'X', '--redirect-uri', 'https://a.example/cb', '--scope', 'admin'], /unknown --scope admin/],
    ['no name', ['--redirect-uri', 'https://a.example/cb'], /--name is required/],
  ])('refuses %s (exit 1) without touching the data dir', (_, args, message) => {
    const data = join(tempDir(), 'never-created');
    const r = run(['--data', data, '--json', ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(data)).toBe(false);
  });
});
