import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort } from '../helpers/processes';
import { launchBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { startSmtpServer, type SmtpServer } from '../helpers/smtp';
import { openStore } from '../../src/store/db';

/**
 * OIDC SSO between two Keyhaven processes. The upstream provider is a real `keyhaven serve` child
 * process (run from src/ through tsx, so the test never depends on a stale dist/), with its OAuth
 * client registered by `keyhaven clients create`; the downstream is an in-process test server whose
 * admin configures SSO over the API. The user's browser is fetch with one cookie jar per host, as
 * browsers keep cookies (RFC 6265: the port does not separate them).
 */

const CLI = ['--import', 'tsx', join(ROOT, 'src/cli.ts')];
const PASSWORD = 'Upstream-Pass-42';

interface Upstream {
  baseUrl: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `keyhaven serve` as a child process; resolves once it prints its URL. */
async function startUpstream(dataDir: string, env: Record<string, string>): Promise<Upstream> {
  const port = await freePort();
  const child = spawn(process.execPath, [...CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!/listening on http/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`upstream keyhaven did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** A minimal browser: cookie jar per host name, redirects followed by hand, HTML forms submitted as forms. */
class Browser {
  private jars = new Map<string, Map<string, string>>();
  /** Every URL requested, in order. */
  visited: string[] = [];

  cookie(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).hostname)?.get(name);
  }

  private store(url: string, res: Response) {
    const jar = this.jars.get(new URL(url).hostname) ?? new Map<string, string>();
    this.jars.set(new URL(url).hostname, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()];
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=.*1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  private async request(url: string, init: { method?: string; form?: Record<string, string>; origin?: string } = {}): Promise<Response> {
    this.visited.push(url);
    const jar = this.jars.get(new URL(url).hostname);
    const headers: Record<string, string> = { accept: 'text/html,application/json' };
    if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (init.origin) headers.origin = init.origin;
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.form ? new URLSearchParams(init.form) : undefined, redirect: 'manual' });
    this.store(url, res);
    return res;
  }

  /** Requests a URL and follows redirects (a redirect after a POST becomes a GET, as browsers do). */
  async go(url: string, init: { method?: string; form?: Record<string, string>; origin?: string } = {}): Promise<{ res: Response; url: string }> {
    let res = await this.request(url, init);
    for (let hops = 0; [301, 302, 303, 307, 308].includes(res.status); hops++) {
      if (hops > 20) throw new Error('too many redirects');
      url = new URL(res.headers.get('location')!, url).toString();
      res = await this.request(url);
    }
    return { res, url };
  }

  /** Fills and submits the page's form (hidden fields included); `submit` adds the pressed button's name/value. */
  async submit(page: { url: string; html: string }, fields: Record<string, string>): Promise<{ res: Response; url: string }> {
    const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.html);
    if (!form) throw new Error(`no form on ${page.url}:\n${page.html.slice(0, 2000)}`);
    const hidden = Object.fromEntries([...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], unescapeHtml(m[2])]));
    return this.go(new URL(unescapeHtml(form[1]), page.url).toString(), { method: 'POST', form: { ...hidden, ...fields }, origin: new URL(page.url).origin });
  }
}

const unescapeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

let smtp: SmtpServer;
let up: Upstream;
let down: TestServer;
let client: { client_id: string; client_secret: string };
let adminCookie: string;
let downTenantId: number;

const json = (method: string, url: string, body?: unknown, cookie?: string) =>
  fetch(url, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });

const configure = (extra: Record<string, unknown> = {}) =>
  json('POST', `${down.baseUrl}/api/v1/sso`, {
    action: 'configure',
    config: {
      provider: 'oidc',
      enabled: true,
      oidcIssuer: up.baseUrl,
      oidcClientId: client.client_id,
      ...('oidcClientSecret' in extra ? {} : { oidcClientSecret: client.client_secret }),
      allowedDomains: ['example.com'],
      autoProvision: true,
      defaultRole: 'member',
      enforceForAllUsers: false,
      ...extra,
    },
  }, adminCookie);

/** Registers a user on the upstream with seed 003's registration and verifies the email through the mail received over SMTP. */
async function verifiedUpstreamUser(email: string, name: string) {
  const res = await json('POST', `${up.baseUrl}/api/v1/auth/register`, { name, email, password: PASSWORD });
  expect(res.status).toBe(200);
  const mail = await smtp.waitFor(email);
  const link = /(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/auth\/verify\?[^\s"<>]+)/.exec(mail.text)![1];
  const verified = await fetch(link.replace(/&amp;/g, '&'), { redirect: 'manual' });
  expect(verified.headers.get('location')).toMatch(/\/login\?verified=true$/);
}

/** The upstream's `sub` for an email, read from its database file. */
function upstreamSub(email: string): string {
  const db = new Database(join(up.dataDir, 'keyhaven.db'), { readonly: true });
  try {
    return (db.prepare('SELECT public_id FROM users WHERE email = ?').get(email) as { public_id: string }).public_id;
  } finally {
    db.close();
  }
}

/** The whole browser journey from the downstream's SSO start to the end of the redirect chain. */
async function ssoJourney(startUrl: string, email: string, decision: 'approve' | 'deny' = 'approve') {
  const b = new Browser();
  const login = await b.go(startUrl);
  expect(login.url.startsWith(`${up.baseUrl}/login?req=`), login.url).toBe(true);
  expect(login.res.status).toBe(200);
  const loginHtml = await login.res.text();
  expect(loginHtml).toContain('Downstream Keyhaven');
  const afterLogin = await b.submit({ url: login.url, html: loginHtml }, { email, password: PASSWORD });
  let end = afterLogin;
  if (afterLogin.url.startsWith(`${up.baseUrl}/consent?`)) {
    const html = await afterLogin.res.text();
    expect(html).toContain('Downstream Keyhaven wants to access your account');
    end = await b.submit({ url: afterLogin.url, html }, { decision });
  }
  const callback = b.visited.find((u) => u.startsWith(`${down.baseUrl}/api/v1/sso/callback?`));
  return { b, end, callback };
}

beforeAll(async () => {
  [smtp, down] = await Promise.all([startSmtpServer(), startServer()]);
  const upDir = mkdtempSync(join(tmpdir(), 'keyhaven-upstream-'));
  await openStore(upDir).close(); // the CLI works on a data directory a server has created
  // The real CLI registers the downstream as a confidential (third-party) application of the upstream.
  const out = execFileSync(process.execPath, [...CLI, 'clients', 'create', '--data', upDir, '--json', '--name', 'Downstream Keyhaven',
    '--redirect-uri', `${down.baseUrl}/api/v1/sso/callback`, '--grant', 'authorization_code', '--confidential'], { cwd: ROOT, encoding: 'utf8' });
  client = JSON.parse(out);
  up = await startUpstream(upDir, { KEYHAVEN_SMTP_URL: smtp.url, KEYHAVEN_VALIDATE_RESPONSES: '1' });

  // The downstream's admin: a password account whose personal tenant gets the SSO configuration.
  const reg = await json('POST', `${down.baseUrl}/api/auth/register`, { email: 'owner@example.com', password: 'Owner-Pass-42', full_name: 'Owner' });
  expect(reg.status).toBe(201);
  adminCookie = /kendr_session=[^;]+/.exec(reg.headers.get('set-cookie')!)![0];
  downTenantId = (await down.deps.db.selectFrom('memberships').select('organization_id').where('user_id', '=', (await reg.json()).user.id).executeTakeFirstOrThrow()).organization_id;
  const res = await configure();
  expect(res.status).toBe(200);
  expect((await res.json()).config).toMatchObject({ oidcIssuer: up.baseUrl, oidcClientSecret: '********', autoProvision: true, defaultRole: 'member' });
}, 90_000);

afterAll(async () => {
  await up?.stop();
  await Promise.all([down?.close(), smtp?.close()]);
  if (up) rmSync(up.dataDir, { recursive: true, force: true });
});

describe('OIDC SSO with a second Keyhaven process as the upstream provider', () => {
  it('the CLI registered a confidential client with a 40–60 character alphanumeric secret, stored hashed', () => {
    expect(client.client_id).toMatch(/^[0-9a-f]{32}$/);
    expect(client.client_secret).toMatch(/^[A-Za-z0-9]{40,60}$/);
    const db = new Database(join(up.dataDir, 'keyhaven.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM oauth_clients WHERE client_id = ?').get(client.client_id) as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({ type: 'confidential', first_party: 0, grant_types: '["authorization_code"]' });
    expect(JSON.stringify(row)).not.toContain(client.client_secret);
  });

  it('signs a verified upstream user in: start → upstream authorize → login → consent → callback → provisioned with defaultRole', async () => {
    await verifiedUpstreamUser('grace@example.com', 'Grace Hopper');
    const { b, end, callback } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=grace%40example.com&redirectUri=%2Fwelcome`, 'grace@example.com');
    // The chain went through the upstream's discovered authorization endpoint, its hosted pages and back.
    expect(b.visited[1].startsWith(`${up.baseUrl}/oauth2/auth?`)).toBe(true);
    const authorize = new URL(b.visited[1]).searchParams;
    expect(Object.fromEntries(['client_id', 'response_type', 'code_challenge_method', 'redirect_uri'].map((k) => [k, authorize.get(k)]))).toEqual({
      client_id: client.client_id, response_type: 'code', code_challenge_method: 'S256', redirect_uri: `${down.baseUrl}/api/v1/sso/callback`,
    });
    expect(b.visited.some((u) => u.startsWith(`${up.baseUrl}/consent?`))).toBe(true);
    expect(new URL(callback!).searchParams.get('iss')).toBe(up.baseUrl);
    expect(end.url).toBe(`${down.baseUrl}/welcome`);

    // The browser now holds the downstream's session (cookies ignore ports, so it replaced the upstream's).
    const token = b.cookie(down.baseUrl, 'kendr_session')!;
    expect(token).toBeTruthy();
    const session = await fetch(`${down.baseUrl}/api/auth/session`, { headers: { cookie: `kendr_session=${token}` } });
    expect(session.status).toBe(200);
    const me = (await session.json()).user;
    expect(me).toMatchObject({ email: 'grace@example.com', full_name: 'Grace Hopper' });
    expect((await down.deps.repos.tenants.membership(me.id, downTenantId))?.role).toBe('member');
    // A member, not an admin: the admin-only SSO API answers 403 (signed in), not 401.
    expect((await fetch(`${down.baseUrl}/api/v1/sso`, { headers: { cookie: `kendr_session=${token}` } })).status).toBe(403);
    const identity = await down.deps.db.selectFrom('identities').select(['provider', 'value']).where('user_id', '=', me.id).where('type', '=', 'upstream').executeTakeFirst();
    expect(identity).toEqual({ provider: up.baseUrl, value: upstreamSub('grace@example.com') });
  }, 60_000);

  it('the same journey in headless Chromium: hosted pages filled and submitted, downstream session cookie set', async () => {
    await verifiedUpstreamUser('ivy@example.com', 'Ivy Chromium');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${down.baseUrl}/api/v1/sso/start?email=ivy%40example.com&redirectUri=%2Fsso-done`);
      expect(page.url().startsWith(`${up.baseUrl}/login?req=`)).toBe(true);
      await page.getByLabel('Email').fill('ivy@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${up.baseUrl}/consent?**`), page.getByRole('button', { name: 'Sign in' }).click()]);
      await Promise.all([page.waitForURL(`${down.baseUrl}/sso-done`), page.getByRole('button', { name: 'Approve' }).click()]);
      const token = (await browser.context.cookies(down.baseUrl)).find((c) => c.name === 'kendr_session')?.value;
      expect(token).toBeTruthy();
      const session = await fetch(`${down.baseUrl}/api/auth/session`, { headers: { cookie: `kendr_session=${token}` } });
      expect(session.status).toBe(200);
      const me = (await session.json()).user;
      expect(me).toMatchObject({ email: 'ivy@example.com', full_name: 'Ivy Chromium' });
      expect((await down.deps.repos.tenants.membership(me.id, downTenantId))?.role).toBe('member');
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a second sign-in (consent remembered upstream) finds the same downstream user', async () => {
    const before = await down.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const { b, end } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=grace%40example.com`, 'grace@example.com');
    expect(b.visited.some((u) => u.startsWith(`${up.baseUrl}/consent?`))).toBe(false);
    expect(end.url).toBe(`${down.baseUrl}/`);
    expect(b.cookie(down.baseUrl, 'kendr_session')).toBeTruthy();
    const after = await down.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  }, 60_000);

  it('refuses an upstream user whose email is outside allowedDomains (403), creating nobody', async () => {
    await verifiedUpstreamUser('eve@other.test', 'Eve');
    // Home-realm discovery knows no tenant for other.test; an admin-made link starts the flow for the tenant.
    expect((await fetch(`${down.baseUrl}/api/v1/sso/start?email=eve%40other.test`, { redirect: 'manual' })).status).toBe(404);
    const link = await json('POST', `${down.baseUrl}/api/v1/sso`, { action: 'get_auth_url', redirectUri: '/welcome' }, adminCookie);
    expect(link.status).toBe(200);
    const { end, callback } = await ssoJourney((await link.json()).url, 'eve@other.test');
    expect(callback).toBeDefined();
    expect(end.url).toBe(callback);
    expect(end.res.status).toBe(403);
    expect((await end.res.json()).errors[0].message).toMatch(/domain is not allowed/);
    expect(end.res.headers.get('set-cookie') ?? '').not.toContain('kendr_session=');
    expect(await down.deps.repos.users.findByEmail('eve@other.test')).toBeUndefined();
  }, 60_000);

  it('refuses an upstream account whose email the upstream never verified (403)', async () => {
    // Seed 000's registration signs the user in without verifying the email: the ID token says email_verified false.
    const reg = await json('POST', `${up.baseUrl}/api/auth/register`, { email: 'mallory@example.com', password: PASSWORD, full_name: 'Mallory' });
    expect(reg.status).toBe(201);
    const { end } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=mallory%40example.com`, 'mallory@example.com');
    expect(end.url.startsWith(`${down.baseUrl}/api/v1/sso/callback?`)).toBe(true);
    expect(end.res.status).toBe(403);
    expect((await end.res.json()).errors[0].message).toMatch(/verified email/);
    expect(await down.deps.repos.users.findByEmail('mallory@example.com')).toBeUndefined();
  }, 60_000);

  it('a user who denies consent upstream comes back with access_denied and is not signed in (400)', async () => {
    const reg = await json('POST', `${up.baseUrl}/api/auth/register`, { email: 'dan@example.com', password: PASSWORD, full_name: 'Dan' });
    expect(reg.status).toBe(201);
    const { b, end, callback } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=dan%40example.com`, 'dan@example.com', 'deny');
    expect(new URL(callback!).searchParams.get('error')).toBe('access_denied');
    expect(end.res.status).toBe(400);
    expect((await end.res.json()).errors[0].message).toMatch(/access_denied/);
    expect(b.visited.filter((u) => u.startsWith(down.baseUrl)).map((u) => new URL(u).pathname)).toEqual(['/api/v1/sso/start', '/api/v1/sso/callback']);
    expect(await down.deps.repos.users.findByEmail('dan@example.com')).toBeUndefined();
  }, 60_000);

  it('the upstream authenticates the downstream: a wrong client secret fails the code exchange (400), nobody signs in', async () => {
    expect((await configure({ oidcClientSecret: 'W'.repeat(48) })).status).toBe(200);
    try {
      const { end, callback } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=grace%40example.com`, 'grace@example.com');
      expect(end.url).toBe(callback);
      expect(end.res.status).toBe(400);
      expect((await end.res.json()).errors[0].message).toMatch(/could not be completed/);
      expect(end.res.headers.get('set-cookie') ?? '').not.toContain('kendr_session=');
    } finally {
      expect((await configure()).status).toBe(200);
    }
  }, 60_000);

  it('defaultRole admin makes a newly provisioned user an admin of the tenant', async () => {
    expect((await configure({ defaultRole: 'admin', oidcClientSecret: undefined })).status).toBe(200);
    await verifiedUpstreamUser('henry@example.com', 'Henry');
    const { b, end } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=henry%40example.com`, 'henry@example.com');
    expect(end.url).toBe(`${down.baseUrl}/`);
    const cookie = `kendr_session=${b.cookie(down.baseUrl, 'kendr_session')}`;
    const sso = await fetch(`${down.baseUrl}/api/v1/sso`, { headers: { cookie } });
    expect(sso.status).toBe(200);
    expect((await sso.json()).config).toMatchObject({ oidcIssuer: up.baseUrl, oidcClientSecret: '********' });
    expect((await configure({ oidcClientSecret: undefined })).status).toBe(200);
  }, 60_000);

  it('enforceForAllUsers refuses password sign-in for the tenant\'s users while SSO keeps working', async () => {
    const login = () => json('POST', `${down.baseUrl}/api/auth/login`, { email: 'owner@example.com', password: 'Owner-Pass-42' });
    expect((await login()).status).toBe(200);
    expect((await configure({ enforceForAllUsers: true, oidcClientSecret: undefined })).status).toBe(200);
    const refused = await login();
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ ok: false, error: 'sso_required' });
    expect(refused.headers.get('set-cookie') ?? '').not.toContain('kendr_session=');
    // The hosted sign-in page refuses it as well.
    const b = new Browser();
    const page = await b.go(`${down.baseUrl}/login`);
    const hosted = await b.submit({ url: page.url, html: await page.res.text() }, { email: 'owner@example.com', password: 'Owner-Pass-42' });
    expect(hosted.res.status).toBe(403);
    expect(b.cookie(down.baseUrl, 'kendr_session')).toBeUndefined();
    // SSO still signs the tenant's users in.
    const { end } = await ssoJourney(`${down.baseUrl}/api/v1/sso/start?email=grace%40example.com`, 'grace@example.com');
    expect(end.url).toBe(`${down.baseUrl}/`);
    expect((await configure({ oidcClientSecret: undefined })).status).toBe(200);
    expect((await login()).status).toBe(200);
  }, 60_000);
});
