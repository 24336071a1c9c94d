import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';

/** RFC 8628 over HTTP: seed 000's device code response, polling answers, and the verification form. */
let s: TestServer;
let offset = 0;
let session: string;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body),
});

async function startDevice(scope = 'profile email app offline_access', clientId = 'kendr-cli') {
  const r = await fetch(`${s.baseUrl}/oauth/device/code`, form({ client_id: clientId, scope }));
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, string | number> };
}

async function poll(deviceCode: string, clientId = 'kendr-cli') {
  const r = await fetch(`${s.baseUrl}/oauth/token`, form({ client_id: clientId, grant_type: DEVICE_GRANT, device_code: deviceCode }));
  return { status: r.status, body: (await r.json()) as Record<string, string> };
}

/** The signed-in browser: opens the verification page and submits its form with the page's CSRF token. */
async function answer(userCode: string, action: 'approve' | 'deny', opts: { origin?: string; token?: string } = {}) {
  const pageRes = await fetch(`${s.baseUrl}/oauth/device?user_code=${encodeURIComponent(userCode)}`, { headers: { cookie: session } });
  const html = await pageRes.text();
  const csrfCookie = pageRes.headers.get('set-cookie')!.split(';')[0];
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1];
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: `${session}; ${csrfCookie}` };
  if (opts.origin) headers.origin = opts.origin;
  const r = await fetch(`${s.baseUrl}/oauth/device`, {
    method: 'POST',
    redirect: 'manual',
    headers,
    body: new URLSearchParams({ csrf_token: opts.token ?? csrf, user_code: userCode, action }),
  });
  return { page: pageRes.status, pageHtml: html, status: r.status, html: await r.text(), location: r.headers.get('location') };
}

const later = (ms: number) => (offset += ms);

beforeAll(async () => {
  s = await startServer({}, { clock: () => Date.now() + offset });
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'device@example.com', password: 'supersecret123', full_name: 'Dev Ice' }),
  });
  session = r.headers.get('set-cookie')!.split(';')[0];
});
afterAll(() => s.close());

describe('POST /oauth/device/code', () => {
  it("answers exactly seed 000's fields", async () => {
    const r = await startDevice();
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(r.body).sort()).toEqual(['device_code', 'expires_in', 'interval', 'scope', 'user_code', 'verification_uri', 'verification_uri_complete']);
    expect(r.body.device_code).toMatch(/^kndr_odc_[A-Za-z0-9_-]{43}$/);
    expect(r.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(r.body.verification_uri).toBe(`${s.baseUrl}/oauth/device`);
    expect(r.body.verification_uri_complete).toBe(`${s.baseUrl}/oauth/device?user_code=${r.body.user_code}`);
    expect(r.body).toMatchObject({ expires_in: 900, interval: 5, scope: 'profile email app offline_access' });
  });

  it('stores the device code and the user code as hashes only', async () => {
    const r = await startDevice();
    const rows = JSON.stringify(await s.deps.db.selectFrom('oauth_device_codes').selectAll().execute());
    expect(rows).not.toContain(String(r.body.device_code));
    expect(rows).not.toContain(String(r.body.user_code).replace('-', ''));
    expect(rows).toContain(hashToken(String(r.body.device_code)));
  });

  it('refuses clients without the device grant, unknown clients and unknown scopes', async () => {
    expect((await startDevice(undefined, 'kendr-desktop')).body.error).toBe('unauthorized_client');
    expect((await startDevice(undefined, 'no-such-client')).status).toBe(401);
    expect((await startDevice('profile admin')).body.error).toBe('invalid_scope');
  });
});

describe('polling and approval', () => {
  it('pending → slow_down (interval raised) → approved → tokens, once', async () => {
    const d = (await startDevice()).body;
    const code = String(d.device_code);
    expect((await poll(code)).body.error).toBe('authorization_pending');
    expect((await poll(code)).body.error).toBe('slow_down');
    const stored = await s.deps.repos.deviceCodes.findByDeviceCodeHash(hashToken(code));
    expect(stored!.interval_seconds).toBe(10);
    later(4_000);
    expect((await poll(code)).body.error).toBe('slow_down');
    expect((await s.deps.repos.deviceCodes.findByDeviceCodeHash(hashToken(code)))!.interval_seconds).toBe(15);

    const a = await answer(String(d.user_code), 'approve');
    expect(a.page).toBe(200);
    expect(a.pageHtml).toContain('Kendr CLI');
    expect(a.pageHtml).toContain(String(d.user_code));
    // Post/redirect/get to the outcome page, which names the client.
    expect(a.status).toBe(303);
    expect(a.location).toBe('/oauth/device?result=approved&client_id=kendr-cli');
    expect(await (await fetch(s.baseUrl + a.location)).text()).toContain('Kendr CLI is now signed in');

    later(16_000);
    const t = await poll(code);
    expect(t.status).toBe(200);
    expect(t.body.access_token).toMatch(/^kndr_oat_/);
    expect(t.body.refresh_token).toBeTruthy();
    expect(t.body.scope).toBe('profile email app offline_access');
    const me = await fetch(`${s.baseUrl}/oauth/userinfo`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
    expect(((await me.json()) as { email: string }).email).toBe('device@example.com');

    later(16_000);
    expect((await poll(code)).body.error).toBe('invalid_grant');
  });

  it('a denied request answers access_denied', async () => {
    const d = (await startDevice()).body;
    const a = await answer(String(d.user_code), 'deny');
    expect(a.location).toBe('/oauth/device?result=denied&client_id=kendr-cli');
    expect(await (await fetch(s.baseUrl + a.location)).text()).toContain('Request denied');
    expect((await poll(String(d.device_code))).body.error).toBe('access_denied');
  });

  it('an expired code answers expired_token, and its page refuses it', async () => {
    const d = (await startDevice()).body;
    later(901_000);
    expect((await poll(String(d.device_code))).body.error).toBe('expired_token');
    const a = await answer(String(d.user_code), 'approve');
    expect(a.page).toBe(400);
    expect(a.status).toBe(400);
  });

  it('a device code belongs to its client; unknown codes are invalid_grant', async () => {
    const d = (await startDevice()).body;
    expect((await poll('kndr_odc_nope')).body.error).toBe('invalid_grant');
    await s.deps.repos.oauthClients.insertIfMissing({
      clientId: 'other-cli', name: 'Other CLI', type: 'public', redirectUris: [], logoutUris: [], grantTypes: [DEVICE_GRANT],
      defaultScopes: ['profile'], tokenFormat: 'opaque', firstParty: true, audiences: [], secretHash: null, createdAt: Date.now(),
    });
    expect((await poll(String(d.device_code), 'other-cli')).body.error).toBe('invalid_grant');
  });
});

describe('the verification form', () => {
  it('refuses a missing or foreign CSRF token and a cross-origin post', async () => {
    const d = (await startDevice()).body;
    expect((await answer(String(d.user_code), 'approve', { token: 'forged' })).status).toBe(403);
    expect((await answer(String(d.user_code), 'approve', { origin: 'https://evil.example' })).status).toBe(403);
    later(6_000);
    expect((await poll(String(d.device_code))).body.error).toBe('authorization_pending');
  });

  it('sends a browser that is not signed in to the sign-in page and back', async () => {
    const r = await fetch(`${s.baseUrl}/oauth/device?user_code=BCDF-GHJK`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/oauth/device?user_code=BCDF-GHJK')}`);
  });

  it('limits user-code guessing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await fetch(`${s.baseUrl}/oauth/device?user_code=BBBB-BB${'BCDFGHJKLMNPQRSTVWXZ'[i % 20]}${'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(i / 20)]}`, { headers: { cookie: session } });
      statuses.push(r.status);
    }
    // Earlier tests in this file already spent a few misses of the same 20-per-window budget.
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(10);
    expect(firstLimited).toBeLessThanOrEqual(20);
    expect(statuses.slice(0, firstLimited).every((x) => x === 400)).toBe(true);
    expect(statuses.slice(firstLimited).every((x) => x === 429)).toBe(true);
  });
});
