import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';
import { createPersonalTenant } from '../../src/services/tenants';

let s: TestServer;
let ip = 0;
let adminCookie: string;

beforeAll(async () => {
  // Each request from its own client IP, so registration limits stay out of the way.
  s = await startServer({ KEYHAVEN_TRUST_PROXY: '1' });
  const admin = await s.deps.repos.users.create({ email: 'keys-admin@example.com', fullName: 'Keys Admin' }, null, Date.now());
  await createPersonalTenant(s.deps.repos.tenants, admin.id, 'Keys Admin', Date.now());
  adminCookie = `kendr_session=${(await createSession(s.deps, admin.id, 'browser')).token}`;
});
afterAll(() => s.close());

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${++ip % 250}`, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

const TELEMETRY = ['/api/app/feedback', '/api/app/installations', '/api/app/activity', '/api/app/errors'];

describe('JSON nesting depth', () => {
  for (const path of TELEMETRY) {
    it(`5,000 levels in the metadata of ${path} is 400 naming the limit, not 500`, async () => {
      const res = await post(path, `{"message":"m","installation_id":"inst-deep","deep":${nested(5000)}}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body).toMatchObject({ ok: false, error: 'invalid_request', field: '/body' });
      expect(body.message).toBe('JSON nesting deeper than 32 levels');
    });
  }

  it('the bound applies to every JSON body, on every surface', async () => {
    const oauth = await post('/oauth2/token', `{"grant_type":${nested(5000)}}`);
    expect(oauth.status).toBe(400);
    expect(await oauth.json()).toEqual({ error: 'invalid_request', error_description: 'JSON nesting deeper than 32 levels' });
    const mgmt = await post('/api/v1/auth/register', `{"name":${nested(33)}}`);
    expect(mgmt.status).toBe(400);
    expect(await mgmt.json()).toEqual({ errors: [{ code: 'BAD_REQUEST', message: 'JSON nesting deeper than 32 levels' }] });
  });

  it('32 levels (the body object included) are accepted; brackets inside strings do not count', async () => {
    const ok = await post('/api/app/feedback', `{"message":"[[[{{{","deep":${nested(31)}}`);
    expect(ok.status).toBe(201);
    const over = await post('/api/app/feedback', `{"message":"m","deep":${nested(32)}}`);
    expect(over.status).toBe(400);
  });

  it('stored free-form metadata is bounded too (400 naming the limit)', async () => {
    const res = await post('/api/app/feedback', JSON.stringify({ message: 'm', blob: 'x'.repeat(17 * 1024) }));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/exceeds 16384 bytes/);
  });
});

describe('invalid UTF-8 and unpaired surrogates', () => {
  const register = (fullName: Buffer | string, email: string) =>
    Buffer.concat([Buffer.from(`{"email":"${email}","password":"supersecret123","full_name":"`), Buffer.from(fullName), Buffer.from('"}')]);

  it('a JSON body that is not UTF-8 is 400 and creates nothing', async () => {
    const res = await post('/api/auth/register', register(Buffer.from([0x41, 0xff, 0xfe, 0x42]), 'badutf8@example.com'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_request', message: 'request body is not valid UTF-8', field: '/body' });
    expect(await s.deps.repos.users.findByEmail('badutf8@example.com')).toBeFalsy();
  });

  it('JSON in another Unicode encoding is 415 (RFC 8259 §8.1: UTF-8 only)', async () => {
    const res = await post('/api/app/feedback', Buffer.from('{"message":"m"}', 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unsupported_media_type' });
  });

  it('an overlong UTF-8 encoding is refused too', async () => {
    const res = await post('/api/auth/register', register(Buffer.from([0xc0, 0xaf]), 'overlong@example.com'));
    expect(res.status).toBe(400);
  });

  it('a JSON string with an unpaired surrogate escape is 400', async () => {
    const res = await post('/api/auth/register', register('Ada \\ud800 Lovelace', 'surrogate@example.com'));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/unpaired surrogate/);
    // A proper pair is fine (and stored as the one code point).
    const ok = await post('/api/auth/register', register('Ada \\ud83d\\ude00', 'pair@example.com'));
    expect(ok.status).toBe(201);
    expect((await s.deps.repos.users.findByEmail('pair@example.com'))?.full_name).toBe('Ada 😀');
  });

  it('a form body that is not UTF-8, raw or percent-encoded, is 400', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const raw = await post('/oauth2/token', Buffer.concat([Buffer.from('grant_type=client_credentials&client_id='), Buffer.from([0xff])]), form);
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: 'invalid_request', error_description: 'request body is not valid UTF-8' });
    const escaped = await post('/oauth2/token', 'grant_type=client_credentials&client_id=%C3%28', form);
    expect(escaped.status).toBe(400);
    expect((await escaped.json()).error_description).toBe('request body is not valid UTF-8');
    // Valid percent-encoded UTF-8 gets through the parser (then fails as an unknown client, not as bad input).
    const fine = await post('/oauth2/token', 'grant_type=client_credentials&client_id=caf%C3%A9&client_secret=x', form);
    expect((await fine.json()).error_description).not.toBe('request body is not valid UTF-8');
  });
});

describe('control characters in names', () => {
  const bad = ['Ada\u0000Lovelace', 'Ada\nLovelace', 'Ada\tLovelace', 'Ada\u007fLovelace', 'Ada\u0085Lovelace'];
  let n = 0;

  it('full_name on /api/auth/register and /api/app/auth/register refuses control characters', async () => {
    for (const path of ['/api/auth/register', '/api/app/auth/register']) {
      for (const full_name of bad) {
        const email = `ctl${++n}@example.com`;
        const res = await post(path, JSON.stringify({ email, password: 'supersecret123', full_name }));
        expect(res.status, `${path} ${JSON.stringify(full_name)}`).toBe(400);
        expect((await res.json()).field).toBe('/body/full_name');
        expect(await s.deps.repos.users.findByEmail(email)).toBeFalsy();
      }
    }
  });

  it('accepts ordinary names: accents, other scripts, characters beyond the BMP, punctuation', async () => {
    for (const full_name of ["Cecilia O'Brien-Papp", 'José Ñúñez-Ōtani', '山田 太郎', 'Ada 𝒜 Lovelace', 'Zoë (they/them)']) {
      const res = await post('/api/auth/register', JSON.stringify({ email: `okname${++n}@example.com`, password: 'supersecret123', full_name }));
      expect(res.status, full_name).toBe(201);
    }
  });

  it('name on /api/v1/auth/register refuses control characters', async () => {
    const res = await post('/api/v1/auth/register', JSON.stringify({ name: 'Ada\u0000', email: 'v1ctl@example.com', password: 'Correct-Horse-42' }));
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].message).toContain('/body/name');
  });

  it('an API key name refuses control characters', async () => {
    const res = await post('/api/v1/api-keys', JSON.stringify({ name: 'prod\u0000key' }), { cookie: adminCookie });
    expect(res.status).toBe(400);
    const ok = await post('/api/v1/api-keys', JSON.stringify({ name: 'Production key' }), { cookie: adminCookie });
    expect(ok.status).toBe(201);
  });

  it('full_name on the hosted registration form refuses control characters', async () => {
    const res = await post('/register', 'csrf_token=x&full_name=Ada%00Lovelace&email=form%40example.com&password=supersecret123', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe('/body/full_name');
    expect(await s.deps.repos.users.findByEmail('form@example.com')).toBeFalsy();
  });

  it('org_name on the authorization endpoint refuses control characters', async () => {
    const res = await fetch(`${s.baseUrl}/oauth2/auth?response_type=code&client_id=kendr-desktop&org_name=Acme%0ACorp`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect((await res.json()).error_description).toContain('org_name');
  });
});
