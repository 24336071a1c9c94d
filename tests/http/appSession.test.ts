import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appLogin, appLogout, appRegister, browserRegister, getAppSession } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';

const FAST_ARGON2 = { KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' };
const PASSWORD = 'supersecret123';

let s: TestServer;
let now = Date.parse('2026-04-01T12:00:00.000Z');
let seq = 0;
const email = () => `app${++seq}@example.com`;
const header = (token: string) => ({ 'X-Kendr-Session': token });

async function registerApp(server: TestServer, address = email()) {
  const res = await appRegister({ client: server.client, body: { email: address, password: PASSWORD, full_name: 'Example User' } });
  expect(res.response.status).toBe(201);
  return { email: address, data: res.data!, token: res.data!.session.token };
}

const login = (server: TestServer, address: string, password = PASSWORD) => appLogin({ client: server.client, body: { email: address, password } });
const sessionWith = (server: TestServer, token: string) => getAppSession({ client: server.client, headers: header(token) });

beforeAll(async () => {
  s = await startServer({ ...FAST_ARGON2, KEYHAVEN_LOGIN_ATTEMPTS_IP: '1000' }, { clock: () => now });
});
afterAll(() => s.close());

describe('app login returns the documented shape', () => {
  it('exactly {ok, authenticated, user{id,email,full_name,credit_balance}, session{token,header_name,expires_at}}', async () => {
    const u = await registerApp(s);
    s.deps.store.sqlite.prepare('UPDATE users SET credit_balance = 250 WHERE email = ?').run(u.email);
    const row = s.deps.store.sqlite.prepare('SELECT id FROM users WHERE email = ?').get(u.email) as { id: number };
    const res = await login(s, u.email);
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({
      ok: true,
      authenticated: true,
      user: { id: row.id, email: u.email, full_name: 'Example User', credit_balance: 250 },
      session: {
        token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        header_name: 'X-Kendr-Session',
        expires_at: new Date(now + s.config.appSessionIdleSeconds * 1000).toISOString(),
      },
    });
    expect(Number.isInteger((res.data as { user: { id: unknown } }).user.id)).toBe(true);
    expect(res.response.headers.getSetCookie()).toEqual([]);
  });

  it('register answers 201 with the same shape, and its token works at once', async () => {
    const u = await registerApp(s);
    expect(Object.keys(u.data).sort()).toEqual(['authenticated', 'ok', 'session', 'user']);
    expect(Object.keys(u.data.session).sort()).toEqual(['expires_at', 'header_name', 'token']);
    expect(Object.keys(u.data.user).sort()).toEqual(['credit_balance', 'email', 'full_name', 'id']);
    expect((await sessionWith(s, u.token)).response.status).toBe(200);
  });

  it('register with a taken email is 409', async () => {
    const u = await registerApp(s);
    const res = await appRegister({ client: s.client, body: { email: u.email, password: PASSWORD } });
    expect(res.response.status).toBe(409);
    expect(res.error).toMatchObject({ ok: false, error: 'email_taken' });
  });

  it('the token is stored only as its SHA-256 hash', async () => {
    const u = await registerApp(s);
    const hash = createHash('sha256').update(u.token).digest('base64url');
    expect(s.deps.store.sqlite.prepare("SELECT kind FROM sessions WHERE token_hash = ?").get(hash)).toEqual({ kind: 'app' });
    expect(JSON.stringify(s.deps.store.sqlite.prepare('SELECT * FROM sessions').all())).not.toContain(u.token);
  });
});

describe('app session and logout', () => {
  it('GET /api/app/auth/session with X-Kendr-Session returns the user and expiry', async () => {
    const u = await registerApp(s);
    const res = await sessionWith(s, u.token);
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ ok: true, authenticated: true, user: u.data.user, session: { header_name: 'X-Kendr-Session', expires_at: u.data.session.expires_at } });
  });

  it('without or with a bad token: 401', async () => {
    expect((await getAppSession({ client: s.client })).response.status).toBe(401);
    expect((await sessionWith(s, 'x'.repeat(43))).response.status).toBe(401);
    expect((await appLogout({ client: s.client })).response.status).toBe(401);
  });

  it('logout answers {ok:true} and revokes the token server-side', async () => {
    const u = await registerApp(s);
    const res = await appLogout({ client: s.client, headers: header(u.token) });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ ok: true });
    expect((await sessionWith(s, u.token)).response.status).toBe(401);
    expect((await appLogout({ client: s.client, headers: header(u.token) })).response.status).toBe(401);
  });

  it('a browser cookie token is not accepted as X-Kendr-Session', async () => {
    const res = await browserRegister({ client: s.client, body: { email: email(), password: PASSWORD } });
    const token = /^kendr_session=([^;]*)/.exec(res.response.headers.getSetCookie()[0])![1];
    expect((await sessionWith(s, token)).response.status).toBe(401);
  });
});

describe('app login attacks', () => {
  it('unknown email and wrong password: identical 401', async () => {
    const u = await registerApp(s);
    const wrong = await login(s, u.email, 'wrong-password-1');
    const unknown = await login(s, `nobody${seq}@example.com`, 'wrong-password-1');
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.status).toBe(wrong.response.status);
    expect(unknown.error).toEqual(wrong.error);
    expect(wrong.error).toEqual({ ok: false, error: 'invalid_credentials', message: 'email or password is incorrect' });
  });

  it('per-account limit: 429 with Retry-After, for a known and an unknown email', async () => {
    const u = await registerApp(s);
    for (const address of [u.email, `ghost${seq}@example.com`]) {
      for (let i = 0; i < s.config.loginAttemptsPerAccount; i++) expect((await login(s, address, 'wrong-password-1')).response.status).toBe(401);
      const res = await login(s, address, address === u.email ? PASSWORD : 'wrong-password-1');
      expect(res.response.status).toBe(429);
      expect(Number(res.response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    now += s.config.loginWindowSeconds * 1000;
  });

  it('browser and app logins share the account counter', async () => {
    const u = await registerApp(s);
    const post = (path: string, password: string) =>
      fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password }) });
    for (let i = 0; i < s.config.loginAttemptsPerAccount; i++) await post('/api/auth/login', 'wrong-password-1');
    expect((await post('/api/app/auth/login', PASSWORD)).status).toBe(429);
    now += s.config.loginWindowSeconds * 1000;
  });

  it('invalid input is 400 naming the field', async () => {
    const bad = await appLogin({ client: s.client, body: { email: 'nope', password: PASSWORD } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ field: '/body/email' });
    const short = await appRegister({ client: s.client, body: { email: email(), password: 'short' } });
    expect(short.error).toMatchObject({ field: '/body/password' });
    const extra = await appLogin({ client: s.client, body: { email: 'a@example.com', password: PASSWORD, device: 'x' } as never });
    expect(extra.response.status).toBe(400);
    expect(extra.error).toMatchObject({ field: '/body/device' });
  });
});

describe('app session expiry (injected clock)', () => {
  let t: TestServer;
  let clock = Date.parse('2026-05-01T00:00:00.000Z');
  beforeAll(async () => {
    t = await startServer({ ...FAST_ARGON2, KEYHAVEN_APP_SESSION_IDLE: '600', KEYHAVEN_APP_SESSION_ABSOLUTE: '1800' }, { clock: () => clock });
  });
  afterAll(() => t.close());

  it('idle expiry: unused for longer than the idle lifetime → 401', async () => {
    const u = await registerApp(t);
    clock += 599_000;
    expect((await sessionWith(t, u.token)).response.status).toBe(200);
    clock += 601_000;
    expect((await sessionWith(t, u.token)).response.status).toBe(401);
  });

  it('absolute expiry: used every 500 s, still 401 at 1800 s', async () => {
    const u = await registerApp(t);
    for (let i = 0; i < 3; i++) {
      clock += 500_000;
      const res = await sessionWith(t, u.token);
      expect(res.response.status).toBe(200);
    }
    clock += 300_000;
    expect((await sessionWith(t, u.token)).response.status).toBe(401);
  });
});
