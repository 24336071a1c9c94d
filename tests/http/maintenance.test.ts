import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';

/**
 * Issue 8, "Running for months": a server that is never restarted must not grow without bound.
 * Client-credentials tokens are issued through the real token endpoint while the (fake) clock moves
 * past their expiry; the server's own periodic job (every second here) must prune them.
 */
let now = Date.parse('2026-03-16T10:00:00.000Z');
let s: TestServer;
let m2m: { client_id: string; client_secret: string };

const tokenRows = () => s.deps.store.sqlite.prepare('SELECT count(*) FROM oauth_tokens').pluck().get() as number;
const ccToken = () =>
  fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret }),
  });

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_PRUNE_INTERVAL_SECONDS: '1' }, { clock: () => now });
  const r = await initManagementClient(s.deps);
  m2m = { client_id: r.client_id, client_secret: r.client_secret! };
});
afterAll(() => s.close());

describe('the periodic prune of a running server', () => {
  it('keeps the token table bounded under sustained client-credentials issuance', async () => {
    const perRound = 25;
    let max = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < perRound; i++) expect((await ccToken()).status).toBe(200);
      max = Math.max(max, tokenRows());
      now += 2 * 3600_000; // past the access tokens' hour and the prune's grace
      const deadline = Date.now() + 5000;
      while (tokenRows() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(tokenRows(), `round ${round}: expired tokens still stored`).toBe(0);
    }
    expect(max).toBe(perRound);
  });
});
