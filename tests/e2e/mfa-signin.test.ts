import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Issue 4: the hosted sign-in page of the OAuth flow asks a user with TOTP on for the second
 * factor before any session or code exists, and the ID token then says both factors were used.
 * The server's clock is ours and stands still (1 s into a TOTP step), so steps and rate-limit windows move only on demand.
 */
let s: TestServer;
let now = Math.floor(Date.now() / 30_000) * 30_000 + 1_000;
const serverNow = () => now;
const codeAt = (secret: string, ms = serverNow()) => generate({ secret, epoch: Math.floor(ms / 1000) });
/** A new TOTP step and a new verify rate-limit window (3 per 60 s). */
const nextWindow = () => void (now += 60_000);

const EMAIL = 'mfa-page@example.com';
const PASSWORD = 'Correct-Horse-42';
const CLIENT_ID = 'kendr-desktop';
let secret: string;
let backupCodes: string[];

// A loopback redirect target (RFC 8252) that records what the authorization server sent back.
let app: Server;
let callbackUrl: string;
const callbacks: URL[] = [];

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, { clock: serverNow });
  app = createServer((req, res) => {
    const url = new URL(req.url!, callbackUrl);
    if (url.pathname === '/callback') callbacks.push(url); // not /favicon.ico
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  callbackUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;

  // The user registers, then turns TOTP on through the API with codes from otplib.
  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, full_name: 'Mia Factor' }),
  });
  expect(reg.status).toBe(201);
  const cookie = reg.headers.get('set-cookie')!.split(';')[0];
  const mfa = async (body: Record<string, string>) => {
    const r = await fetch(`${s.baseUrl}/api/v1/auth/mfa`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    return (await r.json()) as Record<string, unknown>;
  };
  secret = new URL((await mfa({ action: 'setup' })).otpauthUrl as string).searchParams.get('secret')!;
  backupCodes = (await mfa({ action: 'enable', token: await codeAt(secret) })).backupCodes as string[];
  expect(backupCodes).toHaveLength(8);
});
afterAll(async () => {
  await new Promise((r) => app?.close(r));
  await s?.close();
});
beforeEach(() => {
  nextWindow();
  callbacks.length = 0;
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

interface Flow {
  browser: TestBrowser;
  page: Page;
  verifier: string;
  state: string;
  nonce: string;
}

/** A fresh browser (no session) starts the code flow and gets past the password form. */
async function signInWithPassword(): Promise<Flow> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: callbackUrl,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  await page.goto(`${s.baseUrl}/oauth/authorize?${query}`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  return { browser, page, verifier, state, nonce };
}

async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForLoadState('load');
}

const sessionCookie = async (f: Flow) => (await f.browser.context.cookies(s.baseUrl)).find((c) => c.name === 'kendr_session');
const errorBanner = (page: Page) => page.getByRole('alert').textContent();

/** The redirect the browser landed on, checked (RFC 9207 iss, state), and the code exchanged. */
async function finishAtClient(f: Flow) {
  await f.page.waitForURL((u) => u.href.startsWith(callbackUrl));
  expect(callbacks).toHaveLength(1);
  const cb = callbacks[0];
  expect(cb.searchParams.get('state')).toBe(f.state);
  expect(cb.searchParams.get('iss')).toBe(s.baseUrl);
  const res = await fetch(`${s.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: cb.searchParams.get('code')!, redirect_uri: callbackUrl, code_verifier: f.verifier }),
  });
  expect(res.status).toBe(200);
  const tokens = (await res.json()) as { id_token: string; access_token: string };
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${s.baseUrl}/.well-known/jwks.json`)), {
    issuer: s.baseUrl,
    audience: CLIENT_ID,
    currentDate: new Date(serverNow()),
  });
  expect(payload.nonce).toBe(f.nonce);
  expect(payload.email).toBe(EMAIL);
  return payload;
}

/** A six-digit code that is not valid in the current step nor in its drift window. */
async function wrongCode(): Promise<string> {
  const valid = new Set(await Promise.all([-30_000, 0, 30_000].map((d) => codeAt(secret, serverNow() + d))));
  let n = Number(await codeAt(secret));
  let code: string;
  do code = String(++n % 1_000_000).padStart(6, '0');
  while (valid.has(code));
  return code;
}

describe('hosted sign-in page with TOTP in headless Chromium', () => {
  it('asks for the code before any session or redirect, rejects a wrong code, then completes with amr pwd+otp', async () => {
    const f = await signInWithPassword();
    try {
      // Password accepted, but nothing is issued yet.
      expect(await sessionCookie(f)).toBeUndefined();
      expect(callbacks).toHaveLength(0);
      expect(new URL(f.page.url()).origin).toBe(s.baseUrl);

      await submitCode(f.page, await wrongCode());
      expect(await errorBanner(f.page)).toContain('That code is not correct.');
      expect(await sessionCookie(f)).toBeUndefined();
      expect(callbacks).toHaveLength(0);

      // Typed the way authenticator apps show it.
      const code = await codeAt(secret);
      await submitCode(f.page, `${code.slice(0, 3)} ${code.slice(3)}`);
      const idToken = await finishAtClient(f);
      expect(idToken.amr).toEqual(['pwd', 'otp']);
      expect(await sessionCookie(f)).toMatchObject({ httpOnly: true });
    } finally {
      await f.browser.close();
    }
  });

  it('accepts a backup code once; the same backup code is refused on the next sign-in', async () => {
    const first = await signInWithPassword();
    try {
      await submitCode(first.page, backupCodes[0]);
      expect((await finishAtClient(first)).amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    } finally {
      await first.browser.close();
    }
    callbacks.length = 0;
    const second = await signInWithPassword();
    try {
      await submitCode(second.page, backupCodes[0]);
      expect(await errorBanner(second.page)).toContain('That code is not correct.');
      expect(await sessionCookie(second)).toBeUndefined();
      expect(callbacks).toHaveLength(0);
      // Another unused backup code still works, typed in lower case and in two groups.
      const c = backupCodes[1].toLowerCase();
      await submitCode(second.page, `${c.slice(0, 4)}-${c.slice(4)}`);
      expect((await finishAtClient(second)).amr).toEqual(expect.arrayContaining(['otp']));
    } finally {
      await second.browser.close();
    }
  });

  it('refuses a TOTP code replayed in the same time step', async () => {
    const code = await codeAt(secret);
    const first = await signInWithPassword();
    try {
      await submitCode(first.page, code);
      await finishAtClient(first);
    } finally {
      await first.browser.close();
    }
    callbacks.length = 0;
    const replay = await signInWithPassword();
    try {
            await submitCode(replay.page, code);
      expect(await errorBanner(replay.page)).toContain('That code is not correct.');
      expect(await sessionCookie(replay)).toBeUndefined();
      expect(callbacks).toHaveLength(0);
    } finally {
      await replay.browser.close();
    }
  });

  it('an expired sign-in challenge sends the user back to the password form', async () => {
    const f = await signInWithPassword();
    try {
      now += 5 * 60_000 + 1_000;
      await submitCode(f.page, await codeAt(secret));
      expect(await errorBanner(f.page)).toContain('Your sign-in expired. Sign in again.');
      expect(await f.page.getByLabel('Password').count()).toBe(1);
      expect(await sessionCookie(f)).toBeUndefined();
      expect(callbacks).toHaveLength(0);
    } finally {
      await f.browser.close();
    }
  });
});
