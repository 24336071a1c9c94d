import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLogin, browserLogout, browserRegister, getBrowserSession } from '../../generated/client';
import { enableMfa, setupMfa } from '../../src/services/mfa';
import { startServer, type TestServer } from '../helpers/server';

const FAST_ARGON2 = { KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' };
const PASSWORD = 'supersecret123';

let s: TestServer;
let now = Date.parse('2026-04-01T12:00:00.000Z');
let seq = 0;
const email = () => `browser${++seq}@example.com`;

/** The kendr_session Set-Cookie header of a response (undefined when none). */
const sessionSetCookie = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('kendr_session='));
const cookieValue = (res: Response) => /^kendr_session=([^;]*)/.exec(sessionSetCookie(res) ?? '')?.[1];
const cookieHeader = (token: string) => ({ Cookie: `kendr_session=${token}` });

async function registerUser(server: TestServer, address = email(), fullName: string | undefined = 'Example User') {
  const res = await browserRegister({ client: server.client, body: { email: address, password: PASSWORD, full_name: fullName } });
  expect(res.response.status).toBe(201);
  return { email: address, token: cookieValue(res.response)!, data: res.data! };
}

const login = (server: TestServer, address: string, password = PASSWORD, headers: Record<string, string> = {}) =>
  browserLogin({ client: server.client, body: { email: address, password }, headers });

const sessionWith = (server: TestServer, token: string) => getBrowserSession({ client: server.client, headers: cookieHeader(token) });

beforeAll(async () => {
  s = await startServer({ ...FAST_ARGON2, KEYHAVEN_LOGIN_ATTEMPTS_IP: '1000' }, { clock: () => now });
});
afterAll(() => s.close());

describe('browser register / session / login / logout', () => {
  it('register answers 201 with the user and sets an HttpOnly, SameSite=Lax cookie without Secure on an http issuer', async () => {
    const address = email();
    const res = await browserRegister({ client: s.client, body: { email: address, password: PASSWORD, full_name: 'Example User' } });
    expect(res.response.status).toBe(201);
    const row = s.deps.store.sqlite.prepare('SELECT id FROM users WHERE email = ?').get(address) as { id: number };
    expect(res.data).toEqual({
      ok: true,
      authenticated: true,
      user: { id: row.id, email: address, full_name: 'Example User', credit_balance: 0 },
      session: { expires_at: new Date(now + s.config.browserSessionIdleSeconds * 1000).toISOString() },
    });
    const cookie = sessionSetCookie(res.response)!;
    expect(cookie).toMatch(/^kendr_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(new RegExp(`; Max-Age=${s.config.browserSessionAbsoluteSeconds}`));
    expect(cookie).not.toMatch(/Secure/i);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('the cookie authenticates GET /api/auth/session, which returns the same user', async () => {
    const u = await registerUser(s);
    const res = await sessionWith(s, u.token);
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual(u.data);
  });

  it('full_name is optional and comes back as null', async () => {
    const res = await browserRegister({ client: s.client, body: { email: email(), password: PASSWORD } });
    expect(res.response.status).toBe(201);
    expect(res.data!.user.full_name).toBeNull();
  });

  it('registering an existing email (any letter case) is 409 and sets no cookie', async () => {
    const u = await registerUser(s);
    const res = await browserRegister({ client: s.client, body: { email: u.email.toUpperCase(), password: PASSWORD } });
    expect(res.response.status).toBe(409);
    expect(res.error).toMatchObject({ ok: false, error: 'email_taken' });
    expect(sessionSetCookie(res.response)).toBeUndefined();
    expect(s.deps.store.sqlite.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').get(u.email)).toEqual({ n: 1 });
  });

  it('login sets a new cookie for the same user', async () => {
    const u = await registerUser(s);
    const res = await login(s, u.email);
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual(u.data);
    const token = cookieValue(res.response)!;
    expect(token).not.toBe(u.token);
    expect((await sessionWith(s, token)).response.status).toBe(200);
  });

  it('logout answers {ok:true}, clears the cookie and revokes the session server-side', async () => {
    const u = await registerUser(s);
    const res = await browserLogout({ client: s.client, headers: cookieHeader(u.token) });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ ok: true });
    const cleared = sessionSetCookie(res.response)!;
    expect(cleared).toMatch(/^kendr_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    // The old cookie value no longer works anywhere, even if a client kept it.
    const after = await sessionWith(s, u.token);
    expect(after.response.status).toBe(401);
    expect((await browserLogout({ client: s.client, headers: cookieHeader(u.token) })).response.status).toBe(401);
  });

  it('logout revokes only the presented session', async () => {
    const u = await registerUser(s);
    const other = cookieValue((await login(s, u.email)).response)!;
    await browserLogout({ client: s.client, headers: cookieHeader(u.token) });
    expect((await sessionWith(s, other)).response.status).toBe(200);
  });

  it('GET session and logout without a valid cookie are 401', async () => {
    expect((await getBrowserSession({ client: s.client })).response.status).toBe(401);
    expect((await sessionWith(s, 'not-a-session')).response.status).toBe(401);
    const res = await browserLogout({ client: s.client });
    expect(res.response.status).toBe(401);
    expect(res.error).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('stores only a hash of the session token', async () => {
    const u = await registerUser(s);
    const rows = s.deps.store.sqlite.prepare('SELECT token_hash FROM sessions WHERE token_hash = ?').all(u.token);
    expect(rows).toHaveLength(0);
    expect(JSON.stringify(s.deps.store.sqlite.prepare('SELECT * FROM sessions').all())).not.toContain(u.token);
  });

  it('an app session token in the cookie is refused (kinds do not mix)', async () => {
    const u = await registerUser(s);
    const app = await fetch(`${s.baseUrl}/api/app/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password: PASSWORD }) });
    const { session } = (await app.json()) as { session: { token: string } };
    expect((await sessionWith(s, session.token)).response.status).toBe(401);
  });
});

describe('CSRF on the cookie', () => {
  it('logout with the cookie from another Origin is 403 and leaves the session alive', async () => {
    const u = await registerUser(s);
    const res = await browserLogout({ client: s.client, headers: { ...cookieHeader(u.token), Origin: 'https://evil.example' } });
    expect(res.response.status).toBe(403);
    expect((await sessionWith(s, u.token)).response.status).toBe(200);
  });

  it('logout with the cookie from the same Origin is 200', async () => {
    const u = await registerUser(s);
    const res = await browserLogout({ client: s.client, headers: { ...cookieHeader(u.token), Origin: s.baseUrl } });
    expect(res.response.status).toBe(200);
  });
});

describe('no user enumeration', () => {
  it('unknown email and wrong password get the identical 401', async () => {
    const u = await registerUser(s);
    const wrong = await login(s, u.email, 'wrong-password-1');
    const unknown = await login(s, `nobody${seq}@example.com`, 'wrong-password-1');
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.status).toBe(401);
    expect(wrong.error).toEqual({ ok: false, error: 'invalid_credentials', message: 'email or password is incorrect' });
    expect(unknown.error).toEqual(wrong.error);
    expect(sessionSetCookie(wrong.response)).toBeUndefined();
  });
});

describe('login rate limits', () => {
  it('after the per-account limit, even the right password is 429 with Retry-After', async () => {
    const u = await registerUser(s);
    const max = s.config.loginAttemptsPerAccount;
    for (let i = 0; i < max; i++) expect((await login(s, u.email, 'wrong-password-1')).response.status).toBe(401);
    const res = await login(s, u.email);
    expect(res.response.status).toBe(429);
    expect(res.error).toMatchObject({ ok: false, error: 'rate_limited' });
    const retry = Number(res.response.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(s.config.loginWindowSeconds);
    expect(sessionSetCookie(res.response)).toBeUndefined();
    // The next window admits the account again.
    now += s.config.loginWindowSeconds * 1000;
    expect((await login(s, u.email)).response.status).toBe(200);
  });

  it('an unknown email is limited the same way (429 after the same count)', async () => {
    const address = `ghost${++seq}@example.com`;
    for (let i = 0; i < s.config.loginAttemptsPerAccount; i++) expect((await login(s, address, 'wrong-password-1')).response.status).toBe(401);
    const res = await login(s, address, 'wrong-password-1');
    expect(res.response.status).toBe(429);
    expect(Number(res.response.headers.get('retry-after'))).toBeGreaterThan(0);
    now += s.config.loginWindowSeconds * 1000;
  });

  it('a successful login clears the account count', async () => {
    const u = await registerUser(s);
    const max = s.config.loginAttemptsPerAccount;
    for (let i = 0; i < max - 1; i++) await login(s, u.email, 'wrong-password-1');
    expect((await login(s, u.email)).response.status).toBe(200);
    for (let i = 0; i < max - 1; i++) expect((await login(s, u.email, 'wrong-password-1')).response.status).toBe(401);
    now += s.config.loginWindowSeconds * 1000;
  });

  it('the per-IP limit refuses an IP that tries many accounts', async () => {
    const t = await startServer({ ...FAST_ARGON2, KEYHAVEN_LOGIN_ATTEMPTS_IP: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await login(t, `spray${i}@example.com`, 'wrong-password-1')).response.status).toBe(401);
      const res = await login(t, 'spray9@example.com', 'wrong-password-1');
      expect(res.response.status).toBe(429);
      expect(Number(res.response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('registration rate limit', () => {
  it('20 registrations per IP per hour, then 429 with Retry-After', async () => {
    const t = await startServer(FAST_ARGON2);
    try {
      for (let i = 0; i < 20; i++) {
        const res = await browserRegister({ client: t.client, body: { email: `many${i}@example.com`, password: PASSWORD } });
        expect(res.response.status).toBe(201);
      }
      const res = await browserRegister({ client: t.client, body: { email: 'many20@example.com', password: PASSWORD } });
      expect(res.response.status).toBe(429);
      expect(Number(res.response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('invalid input is 400 naming the field', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it.each([
    ['/api/auth/register', { email: 'not-an-email', password: PASSWORD }, '/body/email'],
    ['/api/auth/register', { email: 'short@example.com', password: 'seven77' }, '/body/password'],
    ['/api/auth/register', { email: 'long@example.com', password: 'x'.repeat(257) }, '/body/password'],
    ['/api/auth/register', { email: 'name@example.com', password: PASSWORD, full_name: 'n'.repeat(101) }, '/body/full_name'],
    ['/api/auth/register', { password: PASSWORD }, '/body/email'],
    ['/api/auth/login', { email: 'user@example.com' }, '/body/password'],
    ['/api/auth/login', { email: 'user@example.com', password: PASSWORD, remember: true }, '/body/remember'],
    ['/api/auth/login', { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }, '/body/email'],
  ])('%s %j → %s', async (path, body, field) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_request', field });
  });

  it('a 64-character password is accepted on registration', async () => {
    const res = await browserRegister({ client: s.client, body: { email: email(), password: 'p'.repeat(64) } });
    expect(res.response.status).toBe(201);
  });
});

describe('account states', () => {
  it('a suspended account is 403 with the right password and the usual 401 with a wrong one', async () => {
    const u = await registerUser(s);
    s.deps.store.sqlite.prepare('UPDATE users SET suspended = 1 WHERE email = ?').run(u.email);
    const right = await login(s, u.email);
    expect(right.response.status).toBe(403);
    expect(right.error).toMatchObject({ error: 'account_suspended' });
    expect(sessionSetCookie(right.response)).toBeUndefined();
    expect((await login(s, u.email, 'wrong-password-1')).response.status).toBe(401);
  });

  it('a user with MFA on gets an mfa_required challenge and no cookie', async () => {
    const u = await registerUser(s);
    const user = (await s.deps.repos.users.findByEmail(u.email))!;
    const secret = new URL((await setupMfa(s.deps, user.id)).otpauthUrl).searchParams.get('secret')!;
    await enableMfa(s.deps, user.id, await generate({ secret, epoch: Math.floor(now / 1000) }));
    const res = await login(s, u.email);
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ ok: true, authenticated: false, mfa_required: true, mfa_token: expect.stringMatching(/^mfa_/), expires_at: expect.any(String) });
    expect(sessionSetCookie(res.response)).toBeUndefined();
  });
});

describe('cookie flags follow the configuration', () => {
  it('Secure when the issuer is https, Domain from KEYHAVEN_COOKIE_DOMAIN', async () => {
    const t = await startServer({ ...FAST_ARGON2, KEYHAVEN_ISSUER: 'https://id.example.test', KEYHAVEN_COOKIE_DOMAIN: 'example.test' });
    try {
      const res = await browserRegister({ client: t.client, body: { email: 'secure@example.com', password: PASSWORD } });
      expect(res.response.status).toBe(201);
      const cookie = sessionSetCookie(res.response)!;
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Domain=example\.test/);
      const out = await browserLogout({ client: t.client, headers: cookieHeader(cookieValue(res.response)!) });
      expect(sessionSetCookie(out.response)).toMatch(/^kendr_session=;.*Secure/);
    } finally {
      await t.close();
    }
  });
});

describe('expiry (injected clock)', () => {
  let t: TestServer;
  let clock = Date.parse('2026-05-01T00:00:00.000Z');
  beforeAll(async () => {
    t = await startServer({ ...FAST_ARGON2, KEYHAVEN_SESSION_IDLE: '600', KEYHAVEN_SESSION_ABSOLUTE: '1800' }, { clock: () => clock });
  });
  afterAll(() => t.close());

  it('an unused session ends after the idle lifetime; use slides it', async () => {
    const u = await registerUser(t);
    expect(u.data.session.expires_at).toBe(new Date(clock + 600_000).toISOString());
    clock += 500_000;
    const slid = await sessionWith(t, u.token);
    expect(slid.response.status).toBe(200);
    clock += 550_000; // 1050 s after login, 550 s after last use
    const still = await sessionWith(t, u.token);
    expect(still.response.status).toBe(200);
    clock += 601_000;
    expect((await sessionWith(t, u.token)).response.status).toBe(401);
  });

  it('a session in constant use still ends at the absolute lifetime', async () => {
    const u = await registerUser(t);
    for (let i = 0; i < 3; i++) {
      clock += 500_000;
      expect((await sessionWith(t, u.token)).response.status).toBe(200);
    }
    clock += 300_000; // exactly 1800 s after login
    expect((await sessionWith(t, u.token)).response.status).toBe(401);
  });
});
