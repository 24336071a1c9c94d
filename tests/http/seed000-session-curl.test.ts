import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';

const run = promisify(execFile);

// Seed 000, "Browser session auth" and "App session auth": the curl examples verbatim.
// Only https://kendr.org is replaced by the test server; cookies.txt lands in a temp cwd.
const SEED_REGISTER = `curl https://kendr.org/api/auth/register \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -c cookies.txt \\
  -d '{
    "email": "user@example.com",
    "password": "supersecret123",
    "full_name": "Example User"
  }'`;

const SEED_LOGIN = `curl https://kendr.org/api/auth/login \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -c cookies.txt \\
  -d '{
    "email": "user@example.com",
    "password": "supersecret123"
  }'`;

const SEED_SESSION = `curl https://kendr.org/api/auth/session \\
  -b cookies.txt`;

const SEED_LOGOUT = `curl https://kendr.org/api/auth/logout \\
  -X POST \\
  -b cookies.txt \\
  -c cookies.txt`;

const SEED_APP_LOGIN = `curl https://kendr.org/api/app/auth/login \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -d '{
    "email": "user@example.com",
    "password": "supersecret123"
  }'`;

const SEED_APP_SESSION = `curl https://kendr.org/api/app/auth/session \\
  -H "X-Kendr-Session: $KENDR_SESSION"`;

const SEED_APP_LOGOUT = `curl https://kendr.org/api/app/auth/logout \\
  -X POST \\
  -H "X-Kendr-Session: $KENDR_SESSION"`;

let s: TestServer;
let cwd: string;
let kendrSession = '';

/** Runs one seed example; curl exits 0 on any HTTP status, so the body tells success from an error. */
async function curl(example: string): Promise<Record<string, unknown>> {
  const { stdout } = await run('bash', ['-c', example.replace('https://kendr.org', s.baseUrl)], {
    cwd,
    env: { ...process.env, KENDR_SESSION: kendrSession },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The kendr_session value in curl's Netscape cookie jar, if any. */
function jarCookie(): { value: string; httpOnly: boolean; secure: boolean } | undefined {
  const line = readFileSync(join(cwd, 'cookies.txt'), 'utf8')
    .split('\n')
    .find((l) => l.split('\t')[5] === 'kendr_session');
  if (!line) return undefined;
  const f = line.split('\t');
  return { value: f[6], httpOnly: f[0].startsWith('#HttpOnly_'), secure: f[3] === 'TRUE' };
}

const user = { id: expect.any(Number), email: 'user@example.com', full_name: 'Example User', credit_balance: 0 };
const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' });
  cwd = mkdtempSync(join(tmpdir(), 'seed000-curl-'));
});
afterAll(async () => {
  await s.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('seed 000 browser session curl examples', () => {
  let registered = '';

  it('register stores the HttpOnly cookie in cookies.txt', async () => {
    const body = await curl(SEED_REGISTER);
    expect(body).toEqual({ ok: true, authenticated: true, user, session: { expires_at: isoDate } });
    const row = s.deps.store.sqlite.prepare("SELECT id FROM users WHERE email = 'user@example.com'").get() as { id: number };
    expect((body.user as { id: number }).id).toBe(row.id);
    const cookie = jarCookie()!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.secure).toBe(false);
    registered = cookie.value;
  });

  it('login refreshes the cookie', async () => {
    const body = await curl(SEED_LOGIN);
    expect(body).toEqual({ ok: true, authenticated: true, user, session: { expires_at: isoDate } });
    expect(jarCookie()!.value).not.toBe(registered);
  });

  it('session reads the cookie back', async () => {
    expect(await curl(SEED_SESSION)).toEqual({ ok: true, authenticated: true, user, session: { expires_at: isoDate } });
  });

  it('logout revokes the session and removes the cookie from the jar', async () => {
    const before = jarCookie()!.value;
    expect(await curl(SEED_LOGOUT)).toEqual({ ok: true });
    expect(jarCookie()).toBeUndefined();
    expect(await curl(SEED_SESSION)).toMatchObject({ ok: false, error: 'unauthorized' });
    const replay = await fetch(`${s.baseUrl}/api/auth/session`, { headers: { Cookie: `kendr_session=${before}` } });
    expect(replay.status).toBe(401);
  });
});

describe('seed 000 app session curl examples', () => {
  it('login returns the documented response', async () => {
    const body = await curl(SEED_APP_LOGIN);
    expect(body).toEqual({
      ok: true,
      authenticated: true,
      user,
      session: { token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), header_name: 'X-Kendr-Session', expires_at: isoDate },
    });
    kendrSession = (body.session as { token: string }).token;
  });

  it('session with X-Kendr-Session: $KENDR_SESSION', async () => {
    expect(await curl(SEED_APP_SESSION)).toEqual({ ok: true, authenticated: true, user, session: { header_name: 'X-Kendr-Session', expires_at: isoDate } });
  });

  it('logout revokes the token', async () => {
    expect(await curl(SEED_APP_LOGOUT)).toEqual({ ok: true });
    expect(await curl(SEED_APP_SESSION)).toMatchObject({ ok: false, error: 'invalid_token' });
  });
});
