import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { issueTokens } from '../../src/services/oauth/tokens';
import type { OAuthClient } from '../../src/services/oauth/types';

/**
 * Refresh-token rotation under attack (RFC 9700 §4.14.2): a thief racing the real client must not
 * keep a live chain, and a request that fails validation must not spend the token.
 */
let s: TestServer;
let userId: number;

async function form(params: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) body.append(k, one);
  const res = await fetch(`${s.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

async function makeClient(id: string, tokenFormat: 'jwt' | 'opaque'): Promise<OAuthClient> {
  const client: OAuthClient = {
    clientId: id, name: id, type: 'public', redirectUris: ['http://127.0.0.1/cb'], logoutUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile', 'app'], tokenFormat, firstParty: true, audiences: [],
  };
  await s.deps.repos.oauthClients.insert({ ...client, secretHash: null, createdAt: Date.now() });
  return client;
}

async function grant(client: OAuthClient, scope = 'openid profile app offline_access') {
  const user = (await s.deps.repos.users.findById(userId))!;
  return issueTokens(s.deps, {
    client, scopes: scope.split(' '), audience: [s.config.issuer],
    grant: { user, scopes: scope.split(' '), authTime: Date.now(), amr: ['pwd'], extra: {} },
  });
}

const refresh = (client: OAuthClient, token: string, extra: Record<string, string> = {}) =>
  form({ grant_type: 'refresh_token', client_id: client.clientId, refresh_token: token, ...extra });
const userinfoStatus = async (token: string) => (await fetch(`${s.baseUrl}/oauth/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

beforeAll(async () => {
  s = await startServer();
  userId = (await s.deps.repos.users.create({ email: 'race@example.com', fullName: 'Race Condition', emailVerified: true }, null, Date.now())).id;
});
afterAll(() => s.close());

describe('concurrent reuse of one refresh token', () => {
  for (const format of ['jwt', 'opaque'] as const) {
    it(`leaves no live token of the family, the winner's included (${format} access tokens)`, async () => {
      const client = await makeClient(`racer-${format}`, format);
      for (let round = 0; round < 3; round++) {
        const first = await grant(client);
        const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(client, first.refresh_token!)));
        const won = answers.filter((a) => a.status === 200);
        expect(won.length).toBeLessThanOrEqual(1);
        expect(answers.filter((a) => a.json.error === 'invalid_grant').length).toBeGreaterThanOrEqual(19);
        // Whatever the winner received is dead, and so is everything issued before.
        for (const w of won) {
          expect(await userinfoStatus(w.json.access_token)).toBe(401);
          expect((await refresh(client, w.json.refresh_token)).json.error).toBe('invalid_grant');
        }
        expect(await userinfoStatus(first.access_token)).toBe(401);
        const live = await s.deps.db
          .selectFrom('oauth_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('client_id', '=', client.clientId)
          .where('revoked_at', 'is', null)
          .executeTakeFirstOrThrow();
        expect(Number(live.n)).toBe(0);
      }
    });
  }
});

describe('a refresh request that fails validation spends nothing', () => {
  let client: OAuthClient;
  beforeAll(async () => {
    client = await makeClient('careful', 'opaque');
  });

  it('a wider scope answers invalid_scope and the token still works once', async () => {
    const t = await grant(client, 'profile offline_access');
    expect((await refresh(client, t.refresh_token!, { scope: 'profile app offline_access' })).json.error).toBe('invalid_scope');
    const retry = await refresh(client, t.refresh_token!);
    expect(retry.status).toBe(200);
    expect(await userinfoStatus(retry.json.access_token)).toBe(200);
  });

  it('another client presenting it answers invalid_grant and the owner can still use it', async () => {
    const other = await makeClient('careful-other', 'opaque');
    const t = await grant(client);
    expect((await refresh(other, t.refresh_token!)).json.error).toBe('invalid_grant');
    expect((await refresh(client, t.refresh_token!)).status).toBe(200);
  });

  it('an audience outside the grant answers invalid_target and spends nothing; a narrower one is honoured', async () => {
    const t = await grant(client);
    expect((await refresh(client, t.refresh_token!, { audience: 'https://elsewhere.example.com' })).json.error).toBe('invalid_target');
    const ok = await refresh(client, t.refresh_token!, { audience: s.config.issuer });
    expect(ok.status).toBe(200);
  });
});
