import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Request, Response } from 'express';
import { startServer, type TestServer } from '../helpers/server';
import { sendError } from '../../src/http/backend';
import { HttpError } from '../../src/http/errors';
import { loadConfig } from '../../src/config';
import type { Deps } from '../../src/deps';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ KEYHAVEN_BODY_LIMIT: '2048' });
});
afterAll(() => s.close());

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('400', () => {
  it('malformed JSON names the body', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, json('{"email": "a@b.example",'));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ ok: false, error: 'invalid_request', field: '/body' });
    expect(body.message).toMatch(/malformed JSON/);
  });

  it('a schema violation names the failing field', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/register`, json({ email: 'not-an-email', password: 'supersecret123' }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.field).toBe('/body/email');
    expect(body.message).toContain('/body/email');
  });

  it('a missing required field is named', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, json({ email: 'user@example.com' }));
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe('/body/password');
  });

  it('unevaluatedProperties: false (a 3.1-only keyword) rejects an unknown field', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, json({ email: 'user@example.com', password: 'supersecret123', admin: true }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.field).toBe('/body/admin');
    expect(body.message).toMatch(/unevaluated/);
  });
});

describe('401', () => {
  it('a protected operation without credentials answers 401 with WWW-Authenticate', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/session`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeTruthy();
    expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('an unknown session token is 401 too, never 5xx', async () => {
    const res = await fetch(`${s.baseUrl}/api/app/auth/session`, { headers: { 'X-Kendr-Session': 'not-a-real-token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeTruthy();
  });
});

describe('403 (CSRF guard)', () => {
  it('refuses a cookie-carrying POST from another origin before any handler runs', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { Cookie: 'kendr_session=whatever', Origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ ok: false, error: 'csrf' });
  });

  it('refuses Sec-Fetch-Site: cross-site without Origin', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { Cookie: 'kendr_session=whatever', 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(res.status).toBe(403);
  });

  it('lets the same origin through (then 401 for the bad cookie)', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { Cookie: 'kendr_session=whatever', Origin: s.baseUrl },
    });
    expect(res.status).toBe(401);
  });
});

describe('404, 405', () => {
  it('an unknown path is 404', async () => {
    const res = await fetch(`${s.baseUrl}/no/such/thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error: 'not_found', message: 'no such path' });
  });

  it('a wrong method is 405 with Allow', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await res.json()).error).toBe('method_not_allowed');
  });
});

describe('413, 415', () => {
  it('a body over KEYHAVEN_BODY_LIMIT is 413', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, json({ email: 'user@example.com', password: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('payload_too_large');
  });

  it('a Content-Type the operation does not declare is 415', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'email=user@example.com',
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBe('unsupported_media_type');
  });

  it('a form post (what a cross-site HTML form sends) to a JSON operation is 415', async () => {
    const res = await fetch(`${s.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'email=user%40example.com&password=supersecret123',
    });
    expect(res.status).toBe(415);
  });
});

describe('error bodies per surface', () => {
  it('OAuth paths answer RFC 6749 bodies', async () => {
    const res = await fetch(`${s.baseUrl}/oauth2/nothing-here`);
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    expect(typeof body.error).toBe('string');
  });

  it('/api/v1 paths answer the management body', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ errors: [{ code: 'NOT_FOUND', message: 'no such path' }] });
  });
});

describe('500', () => {
  function fakeRes() {
    const res = { headersSent: false, statusCode: 0, body: undefined as unknown, headers: {} as Record<string, string> };
    const api = {
      set: (h: Record<string, string>) => (Object.assign(res.headers, h), api),
      status: (n: number) => ((res.statusCode = n), api),
      json: (b: unknown) => ((res.body = b), api),
      end: () => api,
      get headersSent() {
        return res.headersSent;
      },
    };
    return { res, api: api as unknown as Response };
  }

  it('an unexpected error becomes the generic body and is logged, with no internals in the answer', () => {
    const log = { error: vi.fn() };
    const deps = { config: loadConfig({}, {}), log } as unknown as Deps;
    const { res, api } = fakeRes();
    const err = new Error('SQLITE_CORRUPT at /var/lib/keyhaven/keyhaven.db: secret-detail');
    sendError(deps, { path: '/api/auth/session' } as Request, api, err);
    expect(res.statusCode).toBe(500);
    expect(res.body).toEqual({ ok: false, error: 'internal_error', message: 'internal server error' });
    expect(JSON.stringify(res.body)).not.toContain('secret-detail');
    expect(log.error).toHaveBeenCalledOnce();
  });

  it('on the OAuth surface the 500 is server_error', () => {
    const deps = { config: loadConfig({}, {}), log: { error: vi.fn() } } as unknown as Deps;
    const { res, api } = fakeRes();
    sendError(deps, { path: '/oauth2/token' } as Request, api, new TypeError('x is undefined'));
    expect(res.body).toEqual({ error: 'server_error', error_description: 'internal server error' });
  });

  it('an HttpError keeps its status and headers', () => {
    const deps = { config: loadConfig({}, {}), log: { error: vi.fn() } } as unknown as Deps;
    const { res, api } = fakeRes();
    sendError(deps, { path: '/api/auth/login' } as Request, api, new HttpError(429, 'rate_limited', 'slow down', { headers: { 'Retry-After': '9' } }));
    expect(res.statusCode).toBe(429);
    expect(res.headers['Retry-After']).toBe('9');
  });
});
