import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';
import { runMaintenance, SIGN_IN_RETENTION_MS } from '../../src/services/maintenance';

/** Seed 002's Analytics: UTM tags on the authorization request are recorded with the sign-in, never granted. */
let s: TestServer;
let now = Date.now();
let cookie: string;
const CB = 'http://127.0.0.1/cb';

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  await s.deps.repos.oauthClients.insert({
    clientId: 'utm-app', name: 'UTM', type: 'public', redirectUris: [CB], logoutUris: [], grantTypes: ['authorization_code'],
    defaultScopes: ['openid'], tokenFormat: 'opaque', firstParty: true, audiences: [], secretHash: null, createdAt: now,
  });
  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'utm@example.com', password: 'supersecret123', full_name: 'Ursula Tam' }),
  });
  cookie = reg.headers.get('set-cookie')!.split(';')[0];
});
afterAll(() => s.close());

async function signIn(extra: Record<string, string>) {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    response_type: 'code', client_id: 'utm-app', redirect_uri: CB, code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), ...extra,
  });
  const res = await fetch(`${s.baseUrl}/oauth2/auth?${q}`, { redirect: 'manual', headers: { cookie } });
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

describe('sign-ins with UTM tags', () => {
  it('records who signed into which application and organization, with the UTM tags; the grant carries none', async () => {
    const user = (await s.deps.repos.users.findByEmail('utm@example.com'))!;
    const tags = { utm_source: 'reddit', utm_medium: 'social', utm_campaign: 'redjune23', utm_term: 'save90', utm_content: 'desktop' };
    const code = await signIn({ ...tags, unrelated: 'ignored' });
    const [latest] = await s.deps.repos.signIns.latestOf(user.id, 1);
    expect(latest).toMatchObject({ client_id: 'utm-app', organization_id: null });
    expect(JSON.parse(latest.utm)).toEqual(tags);
    const grant = await s.deps.repos.authorize.findCode(hashToken(code));
    expect(grant!.extra).not.toContain('utm');

    const org = (await s.deps.repos.tenants.organizationsOf(user.id))[0];
    await signIn({ org_code: org.code });
    const [plain] = await s.deps.repos.signIns.latestOf(user.id, 1);
    expect(plain).toMatchObject({ organization_id: org.id, utm: '{}' });
  });

  it('a UTM value with a control character is refused before anything is recorded', async () => {
    const res = await fetch(`${s.baseUrl}/oauth2/auth?${new URLSearchParams({ client_id: 'utm-app', redirect_uri: CB, utm_source: 'a\u0000b' })}`, { redirect: 'manual', headers: { cookie } });
    expect(res.status).toBe(400);
  });

  it('sign-ins are kept 90 days', async () => {
    const user = (await s.deps.repos.users.findByEmail('utm@example.com'))!;
    expect((await s.deps.repos.signIns.latestOf(user.id, 10)).length).toBe(2);
    now += SIGN_IN_RETENTION_MS + 60_000;
    await runMaintenance(s.deps);
    expect(await s.deps.repos.signIns.latestOf(user.id, 10)).toEqual([]);
  });
});
