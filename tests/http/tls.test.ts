import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { selfSignedTls } from '../helpers/tls';

let s: TestServer;
beforeAll(async () => {
  s = await startServer(selfSignedTls());
});
afterAll(() => s.close());

it('KEYHAVEN_TLS_CERT and KEYHAVEN_TLS_KEY serve HTTPS, with an https issuer and Secure cookies', async () => {
  expect(s.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(s.config.issuer).toBe(s.baseUrl);
  const discovery = (await (await fetch(`${s.baseUrl}/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string };
  expect(discovery.issuer).toBe(s.baseUrl);
  expect(discovery.token_endpoint.startsWith('https://')).toBe(true);
  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tls@example.com', password: 'supersecret123', full_name: 'Tee Ls' }),
  });
  expect(reg.status).toBe(201);
  expect(reg.headers.get('set-cookie')).toMatch(/; Secure/i);
  await expect(fetch(s.baseUrl.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
});
