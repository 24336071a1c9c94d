import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAppActivity, recordAppError, recordAppFeedback, recordAppInstallation } from '../../generated/client';
import { createSession } from '../../src/services/sessions';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let now = Date.parse('2026-04-24T12:00:00.000Z');
let appToken: string;
let cookieToken: string;
let userId: number;

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  const user = await s.deps.repos.users.create({ email: 'tele@example.com' }, null, now);
  userId = user.id;
  appToken = (await createSession(s.deps, userId, 'app')).token;
  cookieToken = (await createSession(s.deps, userId, 'browser')).token;
});
afterAll(() => s.close());

const row = (sql: string, ...args: unknown[]) => s.deps.store.sqlite.prepare(sql).get(...args) as Record<string, unknown>;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('POST /api/app/installations', () => {
  it('records an anonymous installation, stores extra metadata and counts distinct installations', async () => {
    const first = await recordAppInstallation({
      client: s.client,
      body: { installation_id: 'inst-a', platform: 'Windows', app_version: '0.4.0', channel: 'stable', source: 'installer', os_build: '22631', gpu: { vendor: 'acme' } },
    });
    expect(first.response.status).toBe(200);
    expect(first.data).toEqual({ status: 'recorded', install_id: expect.any(Number), total_installs: 1, recorded_at: '2026-04-24T12:00:00.000Z' });
    const stored = row('SELECT * FROM app_installations WHERE installation_id = ?', 'inst-a');
    expect(stored).toMatchObject({ platform: 'windows', app_version: '0.4.0', channel: 'stable', source: 'installer', user_id: null, reports: 1 });
    expect(JSON.parse(stored.metadata as string)).toEqual({ os_build: '22631', gpu: { vendor: 'acme' } });

    const second = await recordAppInstallation({ client: s.client, body: { installation_id: 'inst-b', platform: 'macos' } });
    expect(second.data?.total_installs).toBe(2);
    expect(second.data?.install_id).not.toBe(first.data?.install_id);

    // Re-registering the same installation keeps its id and the count.
    const again = await recordAppInstallation({ client: s.client, body: { installation_id: 'inst-a', app_version: '0.5.0' } });
    expect(again.data).toMatchObject({ install_id: first.data?.install_id, total_installs: 2 });
    expect(row('SELECT app_version, platform, reports FROM app_installations WHERE installation_id = ?', 'inst-a')).toEqual({
      app_version: '0.5.0',
      platform: 'windows',
      reports: 2,
    });
  });

  it('attributes the installation to the user of a valid app session', async () => {
    const res = await recordAppInstallation({ client: s.client, body: { installation_id: 'inst-user' }, headers: { 'X-Kendr-Session': appToken } });
    expect(res.response.status).toBe(200);
    expect(row('SELECT user_id FROM app_installations WHERE installation_id = ?', 'inst-user')).toEqual({ user_id: userId });
  });
});

describe('POST /api/app/activity', () => {
  it('counts distinct installations per UTC day; repeated reports count once', async () => {
    const a1 = await recordAppActivity({ client: s.client, body: { installation_id: 'act-1', platform: 'linux', source: 'launch', session_ms: 1200 } });
    expect(a1.response.status).toBe(200);
    expect(a1.data).toEqual({ status: 'recorded', activity_date: '2026-04-24', identity_type: 'anonymous', total_active: 1, recorded_at: '2026-04-24T12:00:00.000Z' });
    const a2 = await recordAppActivity({ client: s.client, body: { installation_id: 'act-1' } });
    expect(a2.data?.total_active).toBe(1);
    const b = await recordAppActivity({ client: s.client, body: { installation_id: 'act-2' } });
    expect(b.data?.total_active).toBe(2);
    const stored = row('SELECT * FROM app_activity WHERE installation_id = ? AND activity_date = ?', 'act-1', '2026-04-24');
    expect(stored).toMatchObject({ reports: 2, platform: 'linux', identity_type: 'anonymous', user_id: null });
    expect(JSON.parse(stored.metadata as string)).toEqual({});
    expect(JSON.parse(row('SELECT metadata FROM app_activity WHERE installation_id = ?', 'act-2').metadata as string)).toEqual({});

    // 23:59:59.999 is still the same UTC day; midnight starts a new count.
    now = Date.parse('2026-04-24T23:59:59.999Z');
    expect((await recordAppActivity({ client: s.client, body: { installation_id: 'act-3' } })).data?.total_active).toBe(3);
    now = Date.parse('2026-04-25T00:00:00.000Z');
    const next = await recordAppActivity({ client: s.client, body: { installation_id: 'act-1' } });
    expect(next.data).toMatchObject({ activity_date: '2026-04-25', total_active: 1 });
    now = Date.parse('2026-04-24T12:00:00.000Z');
  });

  it('stores extra metadata of the latest report', async () => {
    await recordAppActivity({ client: s.client, body: { installation_id: 'act-meta', screen: 'dashboard', locale: 'en-GB' } });
    expect(JSON.parse(row('SELECT metadata FROM app_activity WHERE installation_id = ?', 'act-meta').metadata as string)).toEqual({
      screen: 'dashboard',
      locale: 'en-GB',
    });
  });

  it('is attributed to the user with an app session or a browser session cookie', async () => {
    const viaHeader = await recordAppActivity({ client: s.client, body: { installation_id: 'act-app' }, headers: { 'X-Kendr-Session': appToken } });
    expect(viaHeader.data?.identity_type).toBe('user');
    expect(row('SELECT user_id, identity_type FROM app_activity WHERE installation_id = ?', 'act-app')).toEqual({ user_id: userId, identity_type: 'user' });

    const viaCookie = await recordAppActivity({ client: s.client, body: { installation_id: 'act-cookie' }, headers: { Cookie: `kendr_session=${cookieToken}` } });
    expect(viaCookie.data?.identity_type).toBe('user');
    expect(row('SELECT user_id FROM app_activity WHERE installation_id = ?', 'act-cookie')).toEqual({ user_id: userId });
  });

  it('treats an invalid, or wrong-kind, session as anonymous instead of refusing the report', async () => {
    const bogus = await recordAppActivity({ client: s.client, body: { installation_id: 'act-bogus' }, headers: { 'X-Kendr-Session': 'not-a-real-token' } });
    expect(bogus.response.status).toBe(200);
    expect(bogus.data?.identity_type).toBe('anonymous');
    // A browser-session token presented as an app session is not accepted either.
    const wrongKind = await recordAppActivity({ client: s.client, body: { installation_id: 'act-bogus' }, headers: { 'X-Kendr-Session': cookieToken } });
    expect(wrongKind.data?.identity_type).toBe('anonymous');
    expect(row('SELECT user_id FROM app_activity WHERE installation_id = ?', 'act-bogus')).toEqual({ user_id: null });
  });

  it('keeps the day attributed to the user once one was seen on the installation', async () => {
    await recordAppActivity({ client: s.client, body: { installation_id: 'act-mixed' }, headers: { 'X-Kendr-Session': appToken } });
    const anon = await recordAppActivity({ client: s.client, body: { installation_id: 'act-mixed' } });
    expect(anon.data?.identity_type).toBe('anonymous');
    expect(row('SELECT user_id, identity_type, reports FROM app_activity WHERE installation_id = ?', 'act-mixed')).toEqual({
      user_id: userId,
      identity_type: 'user',
      reports: 2,
    });
  });
});

describe('POST /api/app/errors', () => {
  it('stores the report with its fields, object details and metadata', async () => {
    const res = await recordAppError({
      client: s.client,
      body: {
        message: 'sync failed: timeout',
        installation_id: 'inst-a',
        app_version: '0.4.0',
        platform: 'windows',
        error_name: 'TimeoutError',
        error_code: 'E_SYNC_TIMEOUT',
        details: { attempt: 3 },
        stack_trace: 'TimeoutError: sync failed\n    at sync (sync.js:10:5)',
        severity: 'fatal',
        email: 'reporter@example.com',
        build: 'nightly-17',
      },
      headers: { 'X-Kendr-Session': appToken },
    });
    expect(res.response.status).toBe(201);
    expect(res.data).toEqual({ status: 'recorded', error_id: expect.any(Number), created_at: '2026-04-24T12:00:00.000Z' });
    const stored = row('SELECT * FROM app_errors WHERE id = ?', res.data?.error_id);
    expect(stored).toMatchObject({
      message: 'sync failed: timeout',
      installation_id: 'inst-a',
      error_name: 'TimeoutError',
      error_code: 'E_SYNC_TIMEOUT',
      severity: 'fatal',
      email: 'reporter@example.com',
      user_id: userId,
      stack_trace: 'TimeoutError: sync failed\n    at sync (sync.js:10:5)',
    });
    expect(JSON.parse(stored.details as string)).toEqual({ attempt: 3 });
    expect(JSON.parse(stored.metadata as string)).toEqual({ build: 'nightly-17' });
  });

  it('needs only a message; severity defaults to error and the reporter is anonymous', async () => {
    const res = await recordAppError({ client: s.client, body: { message: 'boom', details: 'plain text' } });
    expect(res.response.status).toBe(201);
    expect(row('SELECT severity, user_id, details FROM app_errors WHERE id = ?', res.data?.error_id)).toEqual({
      severity: 'error',
      user_id: null,
      details: 'plain text',
    });
  });
});

describe('POST /api/app/feedback', () => {
  it('stores the feedback with metadata and answers the documented shape', async () => {
    const res = await recordAppFeedback({
      client: s.client,
      body: { installation_id: 'desktop-prod-001', platform: 'windows', app_version: '0.4.0', category: 'feature_request', rating: 5, message: 'Please add saved query presets.', screen: 'query-editor' },
    });
    expect(res.response.status).toBe(201);
    expect(res.data).toEqual({ status: 'recorded', feedback_id: expect.any(Number), created_at: '2026-04-24T12:00:00.000Z' });
    const stored = row('SELECT * FROM app_feedback WHERE id = ?', res.data?.feedback_id);
    expect(stored).toMatchObject({ category: 'feature_request', rating: 5, message: 'Please add saved query presets.', user_id: null, platform: 'windows' });
    expect(JSON.parse(stored.metadata as string)).toEqual({ screen: 'query-editor' });
  });
});

describe('invalid input is a 400 naming the field, never a 500', () => {
  const cases: [string, string, unknown, string][] = [
    ['feedback without message', '/api/app/feedback', { rating: 3 }, '/body/message'],
    ['feedback with empty message', '/api/app/feedback', { message: '' }, '/body/message'],
    ['rating 6', '/api/app/feedback', { message: 'x', rating: 6 }, '/body/rating'],
    ['rating 0', '/api/app/feedback', { message: 'x', rating: 0 }, '/body/rating'],
    ['rating 2.5', '/api/app/feedback', { message: 'x', rating: 2.5 }, '/body/rating'],
    ['bad email', '/api/app/feedback', { message: 'x', email: 'not-an-email' }, '/body/email'],
    ['message too long', '/api/app/feedback', { message: 'x'.repeat(4001) }, '/body/message'],
    ['unknown severity', '/api/app/errors', { message: 'x', severity: 'catastrophic' }, '/body/severity'],
    ['stack trace too long', '/api/app/errors', { message: 'x', stack_trace: 'x'.repeat(40_000) }, '/body/stack_trace'],
    ['details neither text nor object', '/api/app/errors', { message: 'x', details: [1, 2] }, '/body/details'],
    ['installation without id', '/api/app/installations', { platform: 'windows' }, '/body/installation_id'],
    ['installation id with spaces', '/api/app/installations', { installation_id: 'a b' }, '/body/installation_id'],
    ['installation id too long', '/api/app/activity', { installation_id: 'a'.repeat(129) }, '/body/installation_id'],
    ['platform not a name', '/api/app/activity', { installation_id: 'a', platform: '<script>' }, '/body/platform'],
    ['platform of wrong type', '/api/app/installations', { installation_id: 'a', platform: { os: 'x' } }, '/body/platform'],
    ['oversized metadata', '/api/app/installations', { installation_id: 'a', blob: 'x'.repeat(20_000) }, '/body'],
    ['oversized object details', '/api/app/errors', { message: 'x', details: { blob: 'x'.repeat(20_000) } }, '/body/details'],
  ];
  it.each(cases)('%s', async (_name, path, body, field) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    const err = await res.json();
    expect(err).toMatchObject({ ok: false, error: 'invalid_request', field });
  });

  it('too many properties', async () => {
    const body = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i]));
    const res = await post('/api/app/feedback', { message: 'x', ...body });
    expect(res.status).toBe(400);
  });

  it('a body that is not an object, and malformed JSON', async () => {
    expect((await post('/api/app/feedback', ['message'])).status).toBe(400);
    const bad = await fetch(`${s.baseUrl}/api/app/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":' });
    expect(bad.status).toBe(400);
  });

  it('a form-encoded body is 415', async () => {
    const res = await fetch(`${s.baseUrl}/api/app/feedback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=hi' });
    expect(res.status).toBe(415);
  });

  it('a cookie-carrying report from a foreign origin is refused (CSRF)', async () => {
    const res = await post('/api/app/feedback', { message: 'x' }, { Cookie: `kendr_session=${cookieToken}`, Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('rate limit', () => {
  it('allows 600 telemetry writes per IP per minute, then answers 429 with Retry-After', async () => {
    now = Date.parse('2026-04-24T13:00:00.000Z'); // a fresh one-minute window
    for (let batch = 0; batch < 12; batch++) {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => post('/api/app/feedback', { message: 'spam?' }).then((r) => r.status)));
      expect(statuses.every((st) => st === 201)).toBe(true);
    }
    const limited = await post('/api/app/activity', { installation_id: 'act-late' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(row('SELECT COUNT(*) AS n FROM app_activity WHERE installation_id = ?', 'act-late')).toEqual({ n: 0 });
    now = Date.parse('2026-04-24T13:01:00.000Z');
    expect((await post('/api/app/activity', { installation_id: 'act-late' })).status).toBe(200);
  });
});
