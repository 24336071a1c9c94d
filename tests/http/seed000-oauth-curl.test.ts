import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';

const run = promisify(execFile);

// Seed 000, "OAuth" sections: the curl examples verbatim, only https://kendr.org replaced.
const SEED_CODE_EXCHANGE = `curl https://kendr.org/oauth/token \\
  -X POST \\
  -H "Content-Type: application/x-www-form-urlencoded" \\
  -d "client_id=kendr-desktop" \\
  -d "grant_type=authorization_code" \\
  -d "code=$OAUTH_CODE" \\
  -d "redirect_uri=kendr://oauth/callback" \\
  -d "code_verifier=$CODE_VERIFIER"`;

const SEED_DEVICE_START = `curl https://kendr.org/oauth/device/code \\
  -X POST \\
  -H "Content-Type: application/x-www-form-urlencoded" \\
  -d "client_id=kendr-cli" \\
  -d "scope=profile email app offline_access"`;

const SEED_DEVICE_POLL = `curl https://kendr.org/oauth/token \\
  -X POST \\
  -H "Content-Type: application/x-www-form-urlencoded" \\
  -d "client_id=kendr-cli" \\
  -d "grant_type=urn:ietf:params:oauth:grant-type:device_code" \\
  -d "device_code=$DEVICE_CODE"`;

const SEED_METADATA = 'curl https://kendr.org/.well-known/oauth-authorization-server';

const SEED_USERINFO = `curl https://kendr.org/oauth/userinfo \\
  -H "Authorization: Bearer $KENDR_OAUTH_ACCESS_TOKEN"`;

const SEED_AUTHORIZE =
  'https://kendr.org/oauth/authorize?response_type=code&client_id=kendr-desktop&redirect_uri=kendr%3A%2F%2Foauth%2Fcallback&scope=profile%20email%20app%20offline_access&code_challenge=YOUR_S256_CHALLENGE&code_challenge_method=S256&state=opaque-state';

let s: TestServer;
let offset = 0;
let cookie = '';
const env: Record<string, string> = {};

async function curl(example: string): Promise<Record<string, unknown>> {
  const { stdout } = await run('bash', ['-c', example.replace('https://kendr.org', s.baseUrl)], { env: { ...process.env, ...env } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The signed-in browser answers the device page the way a user would (page, CSRF token, Approve). */
async function approveDevice(userCode: string) {
  const page = await fetch(`${s.baseUrl}/oauth/device?user_code=${encodeURIComponent(userCode)}`, { headers: { cookie } });
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await page.text())![1];
  const csrfCookie = page.headers.get('set-cookie')!.split(';')[0];
  const r = await fetch(`${s.baseUrl}/oauth/device`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookie}; ${csrfCookie}` },
    body: new URLSearchParams({ csrf_token: csrf, user_code: userCode, action: 'approve' }),
  });
  expect([200, 303]).toContain(r.status);
}

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, { clock: () => Date.now() + offset });
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'user@example.com', password: 'supersecret123', full_name: 'Example User' }),
  });
  cookie = r.headers.get('set-cookie')!.split(';')[0];
});
afterAll(() => s.close());

describe('seed 000 OAuth curl examples', () => {
  it('the authorization URL (with a real S256 challenge) then the code exchange', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = SEED_AUTHORIZE.replace('https://kendr.org', s.baseUrl).replace('YOUR_S256_CHALLENGE', challenge);
    const r = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    expect(r.status).toBe(302);
    const location = new URL(r.headers.get('location')!);
    expect(`${location.protocol}//${location.host}${location.pathname}`).toBe('kendr://oauth/callback');
    expect(location.searchParams.get('state')).toBe('opaque-state');
    expect(location.searchParams.get('iss')).toBe(s.config.issuer);
    env.OAUTH_CODE = location.searchParams.get('code')!;
    env.CODE_VERIFIER = verifier;

    const tokens = await curl(SEED_CODE_EXCHANGE);
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^kndr_oat_/),
      refresh_token: expect.any(String),
      expires_in: expect.any(Number),
      scope: 'profile email app offline_access',
    });
    env.KENDR_OAUTH_ACCESS_TOKEN = String(tokens.access_token);
    // Single use: the same example run again is refused.
    expect(await curl(SEED_CODE_EXCHANGE)).toMatchObject({ error: 'invalid_grant' });
  });

  it('user info with the access token: profile gives name and preferred username, email the address', async () => {
    // The code-reuse attempt above revoked that token family (RFC 9700), so sign in again for user info.
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = SEED_AUTHORIZE.replace('https://kendr.org', s.baseUrl).replace('YOUR_S256_CHALLENGE', challenge);
    const code = new URL((await fetch(url, { headers: { cookie }, redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    Object.assign(env, { OAUTH_CODE: code, CODE_VERIFIER: verifier });
    env.KENDR_OAUTH_ACCESS_TOKEN = String((await curl(SEED_CODE_EXCHANGE)).access_token);
    expect(await curl(SEED_USERINFO)).toMatchObject({
      sub: expect.any(String),
      name: 'Example User',
      preferred_username: expect.any(String),
      email: 'user@example.com',
    });
  });

  it('device code: start, pending poll, approval in the browser, tokens', async () => {
    const start = await curl(SEED_DEVICE_START);
    expect(Object.keys(start).sort()).toEqual(['device_code', 'expires_in', 'interval', 'scope', 'user_code', 'verification_uri', 'verification_uri_complete']);
    expect(start).toMatchObject({
      device_code: expect.stringMatching(/^kndr_odc_/),
      user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      verification_uri: `${s.config.issuer}/oauth/device`,
      expires_in: 900,
      interval: 5,
      scope: 'profile email app offline_access',
    });
    expect(start.verification_uri_complete).toBe(`${s.config.issuer}/oauth/device?user_code=${start.user_code}`);
    env.DEVICE_CODE = String(start.device_code);
    expect(await curl(SEED_DEVICE_POLL)).toMatchObject({ error: 'authorization_pending' });

    await approveDevice(String(start.user_code));
    offset += 6_000; // the client waits the returned interval before polling again
    const tokens = await curl(SEED_DEVICE_POLL);
    expect(tokens).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String), scope: 'profile email app offline_access' });
  });

  it('discovery metadata', async () => {
    expect(await curl(SEED_METADATA)).toMatchObject({
      issuer: s.config.issuer,
      authorization_endpoint: `${s.config.issuer}/oauth/authorize`,
      token_endpoint: `${s.config.issuer}/oauth/token`,
      device_authorization_endpoint: `${s.config.issuer}/oauth/device/code`,
      code_challenge_methods_supported: ['S256'],
    });
  });
});
