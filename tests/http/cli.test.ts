import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, buildCliBeforeAll, freePort, processScope } from '../helpers/processes';
import { openStore } from '../../src/store/db';
import { loadMigrations } from '../../src/store/migrate';

buildCliBeforeAll();
const { tempDir, track } = processScope('keyhaven-cli-');

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
  track(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 45_000;
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

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
function cli(args: string[], env: Record<string, string> = {}): Result {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: 'pipe', cwd: tempDir(), env: { ...process.env, ...env }, timeout: 60_000 });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A data directory holding a migrated database, as `keyhaven serve` leaves it. */
async function dataDirWithDatabase(): Promise<string> {
  const data = join(tempDir(), 'data');
  await openStore(data).close();
  return data;
}

/** One line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(r: Result, status: number, message: string | RegExp) {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n') && !r.stderr.slice(0, -1).includes('\n'), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at |node:internal/);
  if (typeof message === 'string') expect(r.stderr).toBe(`${message}\n`);
  else expect(r.stderr).toMatch(message);
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
    // A URL beyond the server's URL limit is 414 (tests/http/url-limits.test.ts); the answer is still JSON.
    const huge = await fetch(`http://127.0.0.1:${port}/healthz?q=${'a'.repeat(70_000)}`);
    expect(huge.status).toBe(414);
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

  it('an unknown command is one line on stderr and exit 2', () => {
    const r = cli(['nope']);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe("keyhaven: unknown command nope (see 'keyhaven --help')\n");
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
    const data = await dataDirWithDatabase();
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
    const bad = await token(`${out.client_secret.slice(0, -1)}x`);
    expect(bad.status, await bad.clone().text()).toBe(401);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('registers a public first-party client without a secret', async () => {
    const data = await dataDirWithDatabase();
    const r = run(['--data', data, '--json', '--name', 'Native', '--redirect-uri', 'com.example.app:/callback', '--grant', 'authorization_code', '--grant', 'refresh_token', '--first-party']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ type: 'public', first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
    expect(out.client_secret).toBeUndefined();
    expect(row(data, out.client_id)).toMatchObject({ type: 'public', secret_hash: null, first_party: 1 });
  });

  it('registers logout URIs (repeatable) for /logout?redirect=', async () => {
    const data = await dataDirWithDatabase();
    const uris = ['https://app.example.com/signed-out', 'http://127.0.0.1:3001/bye'];
    const r = run(['--data', data, '--json', '--name', 'Web', '--redirect-uri', 'https://app.example.com/cb', ...uris.flatMap((u) => ['--logout-uri', u])]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).logout_uris).toEqual(uris);
    expect(JSON.parse(String(row(data, JSON.parse(r.stdout).client_id).logout_uris))).toEqual(uris);
  });

  it.each([
    ['no redirect URI for the code flow', ['--name', 'X'], /needs at least one --redirect-uri/],
    ['http on a public host', ['--name', 'X', '--redirect-uri', 'http://app.example.com/cb', '--confidential'], /must use https/],
    ['a fragment', ['--name', 'X', '--redirect-uri', 'https://app.example.com/cb#x'], /fragment/],
    ['client_credentials for a public client', ['--name', 'X', '--grant', 'client_credentials'], /needs --confidential/],
    ['an unknown grant', ['--name', 'X', '--grant', 'password', '--confidential'], /unknown --grant password/],
    ['an unknown scope', ['--name', 'X', '--redirect-uri', 'https://a.example/cb', '--scope', 'admin'], /unknown --scope admin/],
    ['no name', ['--redirect-uri', 'https://a.example/cb'], /--name is required/],
    ['an http logout URI on a public host', ['--name', 'X', '--redirect-uri', 'https://a.example/cb', '--logout-uri', 'http://a.example/bye'], /--logout-uri http:\/\/a.example\/bye must use https/],
  ])('refuses %s (exit 1) without touching the data dir', (_, args, message) => {
    const data = join(tempDir(), 'never-created');
    const r = run(['--data', data, '--json', ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(data)).toBe(false);
  });
});

describe('--help and --version', () => {
  it('--version prints the version of package.json (exit 0)', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(cli(['--version'])).toEqual({ status: 0, stdout: `keyhaven ${version}\n`, stderr: '' });
  });

  it.each([
    [['--help'], 'usage: keyhaven <command>'],
    [['-h'], 'usage: keyhaven <command>'],
    [['help'], 'usage: keyhaven <command>'],
    [[], 'usage: keyhaven <command>'],
    [['help', 'init'], 'usage: keyhaven init'],
    [['serve', '--help'], 'usage: keyhaven serve'],
    [['serve', '--port', '1', '--help'], 'usage: keyhaven serve'],
    [['init', '--help'], 'usage: keyhaven init'],
    [['init', '-h'], 'usage: keyhaven init'],
    [['admin', '--help'], 'usage: keyhaven admin'],
    [['admin', 'grant', '--help'], 'usage: keyhaven admin'],
    [['admin', 'revoke', '--help'], 'usage: keyhaven admin'],
    [['keys', '--help'], 'usage: keyhaven keys'],
    [['keys', 'rotate', '--help'], 'usage: keyhaven keys'],
    [['clients', '--help'], 'usage: keyhaven clients'],
    [['clients', 'create', '--help'], 'usage: keyhaven clients'],
  ])('keyhaven %s prints usage on stdout and exits 0', (args, usage) => {
    const r = cli(args as string[]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('every command listed in the usage has help that documents each of its options', () => {
    const usage = cli(['--help']).stdout;
    for (const name of ['serve', 'init', 'admin', 'keys', 'clients']) {
      expect(usage).toContain(`  ${name} `);
      expect(cli([name, '--help']).stdout).toMatch(/--data DIR/);
    }
    expect(cli(['init', '--help']).stdout).toMatch(/--issuer URL[\s\S]*--json/);
    expect(cli(['serve', '--help']).stdout).toMatch(/--port PORT[\s\S]*--host HOST[\s\S]*--issuer URL/);
  });

  it.each([
    [['init', '--bogus'], "keyhaven: unknown option --bogus for 'keyhaven init' (see 'keyhaven init --help')"],
    [['serve', '--bogus'], "keyhaven: unknown option --bogus for 'keyhaven serve' (see 'keyhaven serve --help')"],
    [['keys', 'rotate', '--force'], "keyhaven: unknown option --force for 'keyhaven keys' (see 'keyhaven keys --help')"],
    [['clients', 'create', '-x'], "keyhaven: unknown option -x for 'keyhaven clients' (see 'keyhaven clients --help')"],
    [['--bogus'], "keyhaven: unknown option --bogus (see 'keyhaven --help')"],
    [['keys', 'turn'], "keyhaven: unknown subcommand keys turn: expected rotate"],
    [['admin', 'grant'], 'keyhaven: admin grant needs --email EMAIL'],
    [['init', 'extra'], "keyhaven: unexpected argument extra (see 'keyhaven init --help')"],
  ])('keyhaven %s is one line on stderr and exit 2', (args, message) => {
    expectOneLineError(cli(args as string[]), 2, message);
  });
});

describe('serve refuses bad settings in one line', () => {
  it.each([
    [['--port', 'abc'], {}, 'keyhaven: invalid --port "abc": expected an integer 1-65535'],
    [['--port', '99999'], {}, 'keyhaven: invalid --port "99999": expected an integer 1-65535'],
    [['--port', '0'], {}, 'keyhaven: invalid --port "0": expected an integer 1-65535'],
    [['--port', '-1'], {}, /^keyhaven: .*--port/],
    [['--host', '256.1.1.1'], {}, 'keyhaven: invalid --host "256.1.1.1": expected an IP address or a host name'],
    [['--host', 'bad host'], {}, 'keyhaven: invalid --host "bad host": expected an IP address or a host name'],
    [['--issuer', 'id.example.com'], {}, 'keyhaven: invalid --issuer "id.example.com": expected an absolute http:// or https:// URL without query or fragment'],
    [[], { KEYHAVEN_PORT: 'abc' }, 'keyhaven: invalid KEYHAVEN_PORT "abc": expected an integer 1-65535'],
    [[], { KEYHAVEN_HOST: '1.2.3.4.5' }, 'keyhaven: invalid KEYHAVEN_HOST "1.2.3.4.5": expected an IP address or a host name'],
    [[], { KEYHAVEN_ISSUER: 'ftp://x' }, /^keyhaven: invalid KEYHAVEN_ISSUER "ftp:\/\/x"/],
  ])('serve %j %j: one line naming the value, non-zero exit, nothing created', (args, env, message) => {
    const data = join(tempDir(), 'never-created');
    const r = cli(['serve', '--data', data, ...(args as string[])], env as Record<string, string>);
    expectOneLineError(r, 2, message);
    expect(existsSync(data)).toBe(false);
  });

  it('a port already in use: one line naming the address, exit 1', async () => {
    const busy = createServer();
    const port = await new Promise<number>((r) => busy.listen(0, '127.0.0.1', () => r((busy.address() as { port: number }).port)));
    try {
      const r = cli(['serve', '--port', String(port), '--data', join(tempDir(), 'd')]);
      expectOneLineError(r, 1, `keyhaven: cannot listen on 127.0.0.1:${port}: the address is already in use (another server running? choose another --port)`);
    } finally {
      busy.close();
    }
  }, 60_000);
});

describe('commands other than serve need an existing data directory', () => {
  const commands = [
    ['init', '--json'],
    ['keys', 'rotate'],
    ['admin', 'grant', '--email', 'a@example.com'],
    ['clients', 'create', '--name', 'X', '--redirect-uri', 'https://a.example/cb'],
  ];

  it.each(commands)('%s refuses a mistyped --data and creates nothing', (...args) => {
    const data = join(tempDir(), 'dta');
    const r = cli([...args, '--data', data]);
    expectOneLineError(r, 1, `keyhaven: data directory ${data} does not exist: check --data (or KEYHAVEN_DATA); 'keyhaven serve --data ${data}' creates it\n`.trimEnd());
    expect(existsSync(data)).toBe(false);
  });

  it.each(commands)('%s refuses a directory without a database and writes nothing into it', (...args) => {
    const data = join(tempDir(), 'empty');
    mkdirSync(data);
    const r = cli(args, { KEYHAVEN_DATA: data });
    expectOneLineError(r, 1, `keyhaven: data directory ${data} holds no Keyhaven database (keyhaven.db): check --data (or KEYHAVEN_DATA); 'keyhaven serve --data ${data}' creates it`);
    expect(readdirSync(data)).toEqual([]);
  });
});

describe('keyhaven init resolves the issuer as serve does', () => {
  const token = (base: string, m2m: { client_id: string; client_secret: string }, audience: string) =>
    fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${m2m.client_id}:${m2m.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience }),
    });
  const aud = async (res: Response) => JSON.parse(Buffer.from((await res.json()).access_token.split('.')[1], 'base64url').toString()).aud;

  it('takes --port/--host and KEYHAVEN_* like serve; a re-run for another issuer adds its audience to the same application', async () => {
    const port = await freePort();
    const data = join(tempDir(), 'data');
    const base = `http://127.0.0.1:${port}`;
    const s = await serve(['--data', data], { KEYHAVEN_PORT: String(port) });
    try {
      // Without flags, but in the server's environment: the server's own audience.
      const first = cli(['init', '--data', data, '--json'], { KEYHAVEN_PORT: String(port) });
      expect(first.status, first.stderr).toBe(0);
      const m2m = JSON.parse(first.stdout);
      expect(m2m).toEqual({ client_id: expect.any(String), client_secret: expect.any(String), issuer: base, audience: `${base}/api` });
      const ok = await token(base, m2m, `${base}/api`);
      expect(ok.status).toBe(200);
      expect(await aud(ok)).toEqual([`${base}/api`]);

      // The default issuer (port 3000) is another issuer: its audience is refused until init adds it.
      const other = 'http://127.0.0.1:3000';
      expect((await token(base, m2m, `${other}/api`)).status).toBe(400);
      const again = cli(['init', '--data', data, '--json'], { KEYHAVEN_PORT: '' });
      expect(again.status, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ client_id: m2m.client_id, issuer: other, audience: `${other}/api`, existing: true, audience_added: true });

      // --issuer, and the human-readable answer says what was done.
      const text = cli(['init', '--data', data, '--issuer', 'https://id.example.test']);
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toContain(`added audience https://id.example.test/api to the existing M2M application ${m2m.client_id}`);
      const added = await token(base, m2m, 'https://id.example.test/api');
      expect(added.status).toBe(200);
      expect(await aud(added)).toEqual(['https://id.example.test/api']);

      // --host/--port give the same issuer as the running server: nothing to do.
      const same = cli(['init', '--data', data, '--host', '127.0.0.1', '--port', String(port), '--json']);
      expect(JSON.parse(same.stdout)).toEqual({ client_id: m2m.client_id, issuer: base, audience: `${base}/api`, existing: true });
      const db = new Database(join(data, 'keyhaven.db'), { readonly: true });
      expect(db.prepare("SELECT count(*) FROM oauth_clients WHERE grant_types LIKE '%client_credentials%'").pluck().get()).toBe(1);
      db.close();
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 90_000);
});
