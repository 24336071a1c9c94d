import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';

const PASSWORD = 'Correct-Horse-42';
let s: TestServer;
let now = Date.now();
let ip = 0;

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_TRUST_PROXY: '1' }, { clock: () => now });
});
afterAll(() => s.close());

/** Registers and returns the verification link from the outbox mail (no SMTP configured here). */
async function registerAndGetLink(email: string): Promise<URL> {
  const res = await registerAccount({ client: s.client, body: { name: 'V', email, password: PASSWORD }, headers: { 'x-forwarded-for': `10.0.0.${++ip}` } });
  expect(res.response.status).toBe(200);
  const mails = await s.deps.repos.outbox.listFor(email);
  return new URL(mails.at(-1)!.body_text.match(/https?:\/\/\S+/)![0]);
}

async function follow(url: URL | string): Promise<string | null> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return res.headers.get('location');
}

const verified = async (email: string) => (await s.deps.repos.users.findByEmail(email))!.email_verified;

describe('GET /api/v1/auth/verify', () => {
  it('verifies the email and redirects to /login?verified=true', async () => {
    const link = await registerAndGetLink('v1@example.com');
    expect(link.pathname).toBe('/api/v1/auth/verify');
    expect(await verified('v1@example.com')).toBe(0);
    expect(await follow(link)).toBe('/login?verified=true');
    expect(await verified('v1@example.com')).toBe(1);
  });

  it('refuses a token used once already (single use): invalid-token', async () => {
    const link = await registerAndGetLink('v2@example.com');
    expect(await follow(link)).toBe('/login?verified=true');
    expect(await follow(link)).toBe('/login?error=invalid-token');
  });

  it('refuses an unknown token, and a token presented with another email: invalid-token', async () => {
    const link = await registerAndGetLink('v3@example.com');
    const unknown = new URL(link);
    unknown.searchParams.set('token', 'x'.repeat(43));
    expect(await follow(unknown)).toBe('/login?error=invalid-token');
    const other = new URL(link);
    other.searchParams.set('email', 'attacker@example.com');
    expect(await follow(other)).toBe('/login?error=invalid-token');
    expect(await verified('v3@example.com')).toBe(0);
    // The genuine link still works afterwards.
    expect(await follow(link)).toBe('/login?verified=true');
  });

  it('refuses a token after 24 hours: expired-token (injected clock)', async () => {
    const link = await registerAndGetLink('v4@example.com');
    const start = now;
    try {
      now = start + 24 * 3600 * 1000 + 1;
      expect(await follow(link)).toBe('/login?error=expired-token');
      expect(await verified('v4@example.com')).toBe(0);
      now = start + 24 * 3600 * 1000 - 1000;
      expect(await follow(link)).toBe('/login?verified=true');
    } finally {
      now = start;
    }
  });

  it.each([
    ['no parameters', ''],
    ['no email', '?token=abc'],
    ['no token', '?email=a%40example.com'],
    ['an empty token', '?token=&email=a%40example.com'],
  ])('redirects a link with %s to invalid-link (the spec does not preempt it with a 400)', async (_what, query) => {
    expect(await follow(`${s.baseUrl}/api/v1/auth/verify${query}`)).toBe('/login?error=invalid-link');
  });

  it('accepts the email in any letter case', async () => {
    const link = await registerAndGetLink('MixedCase@Example.com');
    link.searchParams.set('email', 'mixedcase@example.COM');
    expect(await follow(link)).toBe('/login?verified=true');
  });

  it('answers other methods with 405 in the management error shape', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/auth/verify`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toEqual({ errors: [{ code: 'METHOD_NOT_ALLOWED', message: expect.any(String) }] });
  });
});
