import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { getJwks, getOAuthAuthorizationServerMetadata, getOpenIdConfiguration } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store/db';
import { issueTokens, atHash } from '../../src/services/oauth/tokens';
import type { OAuthClient } from '../../src/services/oauth/types';

const run = promisify(execFile);
let s: TestServer;
let client: OAuthClient;

async function tokensFor(scope: string) {
  const user = (await s.deps.repos.users.findByEmail('ada@example.com'))!;
  return issueTokens(s.deps, {
    client, scopes: scope.split(' '), audience: [s.config.issuer],
    grant: { user, scopes: scope.split(' '), authTime: Date.now() - 5000, amr: ['pwd', 'otp'], extra: {}, nonce: 'nonce-123' },
  });
}
const get = async (path: string, token: string) => {
  const res = await fetch(`${s.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
};

beforeAll(async () => {
  s = await startServer();
  client = {
    clientId: 'oidc-app', name: 'OIDC app', type: 'public', redirectUris: [], logoutUris: [], grantTypes: ['authorization_code', 'refresh_token'],
    defaultScopes: [], tokenFormat: 'jwt', firstParty: true, audiences: [],
  };
  await s.deps.repos.oauthClients.insert({ ...client, secretHash: null, createdAt: Date.now() });
  await s.deps.repos.users.create({ email: 'ada@example.com', fullName: 'Ada Lovelace', emailVerified: true }, null, Date.now());
});
afterAll(() => s.close());

describe('discovery', () => {
  it('serves RFC 8414 metadata naming the /oauth/* family', async () => {
    const { data, response } = await getOAuthAuthorizationServerMetadata({ client: s.client });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      issuer: s.config.issuer,
      authorization_endpoint: `${s.config.issuer}/oauth/authorize`,
      token_endpoint: `${s.config.issuer}/oauth/token`,
      device_authorization_endpoint: `${s.config.issuer}/oauth/device/code`,
      userinfo_endpoint: `${s.config.issuer}/oauth/userinfo`,
      jwks_uri: `${s.config.issuer}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(data!.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']));
    expect(data!.grant_types_supported).not.toContain('password');
    expect(data!.grant_types_supported).not.toContain('implicit');
  });

  it('serves the OpenID configuration naming seed 002’s /oauth2/* family', async () => {
    const { data } = await getOpenIdConfiguration({ client: s.client });
    expect(data).toMatchObject({
      issuer: s.config.issuer,
      authorization_endpoint: `${s.config.issuer}/oauth2/auth`,
      token_endpoint: `${s.config.issuer}/oauth2/token`,
      introspection_endpoint: `${s.config.issuer}/oauth2/introspect`,
      revocation_endpoint: `${s.config.issuer}/oauth2/revoke`,
      end_session_endpoint: `${s.config.issuer}/logout`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
    });
    expect(data!.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'offline', 'app']));
  });

  it('publishes RSA signing keys with kid, use "sig", alg RS256 and no private parts', async () => {
    const { data } = await getJwks({ client: s.client });
    expect(data!.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of data!.keys) {
      expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
      expect(k.kid).toBeTruthy();
      expect(Buffer.from(k.n, 'base64url').length).toBe(256);
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(priv);
    }
  });

  it('keeps the private key sealed in the database', async () => {
    const row = await s.deps.db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow();
    expect(row.private_sealed).toMatch(/^v1\./);
    expect(row.private_sealed).not.toContain('"d"');
    expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d');
  });
});

describe('ID tokens', () => {
  it('carries the OIDC claims for openid profile email', async () => {
    const t = await tokensFor('openid profile email');
    const header = decodeProtectedHeader(t.id_token!);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const c = decodeJwt(t.id_token!);
    expect(c).toMatchObject({
      iss: s.config.issuer, aud: ['oidc-app'], nonce: 'nonce-123', at_hash: atHash(t.access_token), amr: ['pwd', 'otp'],
      email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace',
    });
    expect(c.sub).toMatch(/^kp_[0-9a-f]{32}$/);
    expect(typeof c.auth_time).toBe('number');
    expect(c.auth_time).toBeLessThanOrEqual(c.iat!);
  });

  it('leaves out claims the scopes do not grant, and is absent without openid', async () => {
    const c = decodeJwt((await tokensFor('openid')).id_token!);
    expect(c).not.toHaveProperty('email');
    expect(c).not.toHaveProperty('name');
    expect((await tokensFor('profile')).id_token).toBeUndefined();
  });
});

describe('user info', () => {
  it('follows seed 000’s scope behaviour', async () => {
    const full = await get('/oauth/userinfo', (await tokensFor('profile email')).access_token);
    expect(full.status).toBe(200);
    expect(full.json).toMatchObject({ name: 'Ada Lovelace', preferred_username: 'ada@example.com', email: 'ada@example.com', email_verified: true });
    const appOnly = await get('/oauth/userinfo', (await tokensFor('app')).access_token);
    expect(Object.keys(appOnly.json)).toEqual(['sub']);
  });

  it('serves seed 002’s user_profile and user_profile_v2 shapes', async () => {
    const token = (await tokensFor('openid profile email')).access_token;
    const v1 = await get('/oauth2/user_profile', token);
    expect(v1.status).toBe(200);
    expect(v1.json).toMatchObject({ preferred_email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', provided_id: null });
    expect(v1.json.id).toMatch(/^kp_/);
    const v2 = await get('/oauth2/v2/user_profile', token);
    expect(v2.json).toMatchObject({ id: v1.json.id, sub: v1.json.id, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' });
    expect(Number.isInteger(v2.json.updated_at)).toBe(true);
  });
});

describe('keyhaven keys rotate and init (CLI)', () => {
  it('adds a new active key; the old one stays in the JWKS; new tokens use the new kid', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyhaven-keys-'));
    const server = createServer();
    // Kept-alive connections outlive the slow CLI runs between requests (a closed idle one would reset the next fetch).
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const issuer = `http://127.0.0.1:${port}`;
    const env = { ...process.env, KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' };
    const cli = (...args: string[]) => run('node', ['--import', 'tsx', 'src/cli.ts', ...args], { env, cwd: process.cwd() });
    try {
      await openStore(dataDir).close(); // the CLI works on a data directory a server has created
      const first = JSON.parse((await cli('init', '--data', dataDir, '--issuer', issuer, '--json')).stdout);
      expect(first).toEqual({ client_id: expect.any(String), client_secret: expect.stringMatching(/^[A-Za-z0-9]{40,60}$/), issuer, audience: `${issuer}/api` });
      const second = JSON.parse((await cli('init', '--data', dataDir, '--issuer', issuer, '--json')).stdout);
      expect(second).toEqual({ client_id: first.client_id, issuer, audience: `${issuer}/api`, existing: true });

      const before = await app(dataDir, port, server, async (base) => (await (await fetch(`${base}/.well-known/jwks.json`)).json()).keys);
      expect(before).toHaveLength(1);
      const out = (await cli('keys', 'rotate', '--data', dataDir)).stdout;
      const newKid = /signing key (\S+)/.exec(out)![1];
      await app(dataDir, port, server, async (base) => {
        const kids = (await (await fetch(`${base}/.well-known/jwks.json`)).json()).keys.map((k: { kid: string }) => k.kid);
        expect(kids).toEqual(expect.arrayContaining([before[0].kid, newKid]));
        const res = await fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: first.client_id, client_secret: first.client_secret }),
        });
        expect(res.status).toBe(200);
        expect(decodeProtectedHeader((await res.json()).access_token).kid).toBe(newKid);
      });
    } finally {
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Serves the data directory on the given listening server while fn runs. */
async function app<T>(dataDir: string, port: number, server: ReturnType<typeof createServer>, fn: (base: string) => Promise<T>): Promise<T> {
  const config = loadConfig({ port, host: '127.0.0.1', dataDir }, { ...process.env, KEYHAVEN_VALIDATE_RESPONSES: '1' });
  const { app: handler, close } = await createApp(config, { log: pino({ level: 'silent' }) });
  server.on('request', handler);
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    server.off('request', handler);
    await close();
  }
}
