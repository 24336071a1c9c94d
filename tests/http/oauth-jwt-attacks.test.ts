import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server';
import bundled from '../../generated/openapi.json';
import { initManagementClient } from '../../src/services/oauth/clients';
import { issueTokens } from '../../src/services/oauth/tokens';
import { signingKey } from '../../src/services/oauth/keys';
import type { OAuthClient } from '../../src/services/oauth/types';

let now = Date.now();
let s: TestServer;
let good: string;
let claims: Record<string, unknown>;
let kid: string;

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
type Op = { operationId: string; security?: Record<string, string[]>[] };
/** Every operation that accepts a user's bearer token and has no anonymous alternative, from the spec itself. */
const PROTECTED = Object.entries((bundled as unknown as { paths: Record<string, Record<string, Op>> }).paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([, op]) => op.security?.some((r) => 'oauthBearer' in r) && !op.security.some((r) => Object.keys(r).length === 0))
    .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '1'), id: op.operationId })),
);
const status = async (target: (typeof PROTECTED)[number] | string, token: string) => {
  const { method, path } = typeof target === 'string' ? { method: 'GET', path: target } : target;
  const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
  return (await fetch(`${s.baseUrl}${path}`, { method, headers, body })).status;
};

/** Re-signs claims with the server's real private key (what only a key thief could do). */
async function signWithRealKey(payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const { key } = await signingKey(s.deps);
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid, ...header }).sign(key);
}

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  const client: OAuthClient = {
    clientId: 'jwt-app', name: 'JWT app', type: 'public', redirectUris: [], logoutUris: [], grantTypes: ['authorization_code'],
    defaultScopes: [], tokenFormat: 'jwt', firstParty: true, audiences: [],
  };
  await s.deps.repos.oauthClients.insert({ ...client, secretHash: null, createdAt: now });
  const user = await s.deps.repos.users.create({ email: 'victim@example.com', fullName: 'Vic Tim' }, null, now);
  const t = await issueTokens(s.deps, {
    client, scopes: ['profile', 'email', 'app'], audience: [s.config.issuer],
    grant: { user, scopes: ['profile', 'email', 'app'], authTime: now, amr: ['pwd'], extra: {} },
  });
  good = t.access_token;
  claims = decodeJwt(good);
  kid = decodeProtectedHeader(good).kid!;
});
afterAll(() => s.close());

describe('every JWT-protected operation refuses forged tokens', () => {
  it('accepts the genuine token (control)', async () => {
    expect(PROTECTED.map((p) => p.id)).toEqual(expect.arrayContaining(['getOAuthUserInfo', 'getOAuth2UserProfileV2', 'listApiKeys', 'getSsoConfig', 'listAdminNotifications']));
    // Past authentication: user info answers 200; other operations may still refuse the body or the role.
    for (const p of PROTECTED) expect(await status(p, good), p.id).not.toBe(401);
    for (const p of ['/oauth/userinfo', '/oauth2/user_profile', '/oauth2/v2/user_profile']) expect(await status(p, good)).toBe(200);
  });

  it('refuses alg "none"', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const forged = `${b64({ alg, typ: 'at+jwt', kid })}.${b64(claims)}.`;
      for (const p of PROTECTED) expect(await status(p, forged)).toBe(401);
    }
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwk = (await (await fetch(`${s.baseUrl}/.well-known/jwks.json`)).json()).keys.find((k: JWK) => k.kid === kid);
    const pem = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [pem, pem.trim(), JSON.stringify(jwk), jwk.n]) {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
      const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      for (const p of PROTECTED) expect(await status(p, forged)).toBe(401);
    }
  });

  it('refuses an unknown kid, and our kid over a foreign key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    for (const k of ['unknown-kid', kid]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: k }).sign(privateKey);
      for (const p of PROTECTED) expect(await status(p, forged)).toBe(401);
    }
    const noKid = await signWithRealKey(claims, { kid: undefined });
    expect(await status('/oauth/userinfo', noKid)).toBe(401);
  });

  it('refuses a wrong audience, even when validly signed', async () => {
    for (const aud of [['https://other.example'], [`${s.config.issuer}/api`], 'https://other.example']) {
      const forged = await signWithRealKey({ ...claims, aud });
      for (const p of PROTECTED) expect(await status(p, forged)).toBe(401);
    }
    // A real management (M2M) token is not a user token.
    const m2m = await initManagementClient(s.deps);
    const res = await fetch(`${s.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret! }),
    });
    const m2mToken = (await res.json()).access_token;
    for (const p of PROTECTED) expect(await status(p, m2mToken)).toBe(401);
  });

  it('refuses an expired token', async () => {
    const forged = await signWithRealKey({ ...claims, iat: Math.floor(now / 1000) - 7200, exp: Math.floor(now / 1000) - 3600 });
    for (const p of PROTECTED) expect(await status(p, forged)).toBe(401);
    const start = now;
    now = start + 3601 * 1000;
    try {
      for (const p of PROTECTED) expect(await status(p, good)).toBe(401);
    } finally {
      now = start;
    }
  });

  it('refuses a wrong issuer, a tampered payload, a wrong typ and an unrecorded jti', async () => {
    const forged = [
      await signWithRealKey({ ...claims, iss: `${s.config.issuer}/` }),
      await signWithRealKey(claims, { typ: 'JWT' }),
      await signWithRealKey({ ...claims, jti: 'never-issued' }),
      `${good.split('.')[0]}.${b64({ ...claims, scp: ['app', 'admin'] })}.${good.split('.')[2]}`,
      good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA'),
    ];
    for (const t of forged) for (const p of PROTECTED) expect(await status(p, t)).toBe(401);
  });

  it('answers 401 with a Bearer challenge and the RFC 6749 body', async () => {
    const res = await fetch(`${s.baseUrl}/oauth/userinfo`, { headers: { authorization: 'Bearer garbage' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    const none = await fetch(`${s.baseUrl}/oauth/userinfo`);
    expect(none.status).toBe(401);
  });
});
