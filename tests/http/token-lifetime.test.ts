import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ACCESS_TOKEN_TTL: '900' });
});
afterAll(() => s.close());

it('KEYHAVEN_ACCESS_TOKEN_TTL sets expires_in and exp of the access tokens issued', async () => {
  const m2m = await initManagementClient(s.deps);
  const res = await fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret!, audience: m2m.audience }),
  });
  const body = (await res.json()) as { access_token: string; expires_in: number };
  expect(body.expires_in).toBe(900);
  const claims = decodeJwt(body.access_token);
  expect(claims.exp! - claims.iat!).toBe(900);
});
