import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';

/**
 * Issue 8: the landing page and the account page's sessions form over plain HTTP: every refusal
 * (no session, CSRF, this session, a session that is not the user's) and the responses the spec
 * documents (responses are validated against it).
 */
let s: TestServer;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

async function register(email: string): Promise<string> {
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, full_name: email.split('@')[0] }),
  });
  expect(r.status).toBe(201);
  return r.headers.get('set-cookie')!.split(';')[0];
}

async function appLogin(email: string): Promise<string> {
  const r = await fetch(`${s.baseUrl}/api/app/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'AccountPagesTest/1.0' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { session: { token: string } }).session.token;
}

/** The account page of a browser: its HTML, the sessions form's token and the CSRF cookie. */
async function accountPage(session: string, csrfCookie?: string) {
  const r = await fetch(`${s.baseUrl}/account`, { headers: { cookie: [session, csrfCookie].filter(Boolean).join('; ') }, redirect: 'manual' });
  expect(r.status).toBe(200);
  const html = await r.text();
  const csrf = csrfCookie ?? r.headers.get('set-cookie')!.split(';')[0];
  const form = html.slice(html.indexOf('action="/account/sessions"'));
  const token = /name="csrf_token" value="([^"]+)"/.exec(form)![1];
  const endable = [...form.matchAll(/name="end" value="(ses_[^"]+)"/g)].map((m) => m[1]);
  return { html, csrf, token, endable };
}

const post = (cookie: string, body: Record<string, string>) =>
  fetch(`${s.baseUrl}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: s.baseUrl },
    body: new URLSearchParams(body),
    redirect: 'manual',
  });

/** The id of the session behind a `kendr_session=…` cookie (the page shows no button for it). */
const sessionIdOf = async (cookie: string) => (await s.deps.repos.sessions.findActiveByHash(hashToken(cookie.slice(cookie.indexOf('=') + 1)), Date.now()))!.id;
const appTokenWorks = async (token: string) => (await fetch(`${s.baseUrl}/api/app/auth/session`, { headers: { 'x-kendr-session': token } })).status === 200;
const cookieWorks = async (cookie: string) => (await fetch(`${s.baseUrl}/api/auth/session`, { headers: { cookie } })).status === 200;

describe('GET /', () => {
  it('is an HTML page with links to sign in, create an account and the reference', async () => {
    const r = await fetch(`${s.baseUrl}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    const html = await r.text();
    for (const href of ['/login', '/register', '/docs']) expect(html).toContain(`href="${href}"`);
    expect(html).toMatch(/<link rel="icon"[^>]+href="data:image\/svg\+xml,/);
  });

  it('names the signed-in user; a stale cookie is treated as no session', async () => {
    const cookie = await register('home@example.com');
    expect(await (await fetch(`${s.baseUrl}/`, { headers: { cookie } })).text()).toContain('Signed in as home@example.com.');
    const stale = await (await fetch(`${s.baseUrl}/`, { headers: { cookie: 'kendr_session=not-a-session' } })).text();
    expect(stale).toContain('href="/login"');
  });
});

describe('GET /account and POST /account/sessions', () => {
  it('without a session: to the sign-in page', async () => {
    const get = await fetch(`${s.baseUrl}/account`, { redirect: 'manual' });
    expect(get.status).toBe(302);
    expect(get.headers.get('location')).toBe('/login');
    const posted = await post('', { csrf_token: 'x', end: 'others' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/login');
  });

  it('an unknown `ended` value fails the schema (JSON 400)', async () => {
    const cookie = await register('schema@example.com');
    const r = await fetch(`${s.baseUrl}/account?ended=everything`, { headers: { cookie } });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ ok: false });
  });

  it('refuses a wrong CSRF token, this session, a missing choice and another user’s session; ends the user’s own other session', async () => {
    const mine = await register('sessions@example.com');
    const theirs = await register('someone-else@example.com');
    const appToken = await appLogin('sessions@example.com');
    const theirApp = await appLogin('someone-else@example.com');
    const page = await accountPage(mine);
    const cookie = `${mine}; ${page.csrf}`;
    expect(page.endable).toHaveLength(1);
    const ownId = await sessionIdOf(mine);
    const theirId = (await accountPage(theirs)).endable[0];

    // A token of another form, or none.
    let r = await post(cookie, { csrf_token: 'not-the-token', end: page.endable[0] });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('This form expired. Please try again.');
    r = await post(cookie, { end: page.endable[0] });
    expect(r.status).toBe(403);
    expect(await appTokenWorks(appToken)).toBe(true);

    // Cross-site: refused before the page (JSON 403).
    r = await fetch(`${s.baseUrl}/account/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'http://evil.example' },
      body: new URLSearchParams({ csrf_token: page.token, end: 'others' }),
      redirect: 'manual',
    });
    expect(r.status).toBe(403);
    expect(await appTokenWorks(appToken)).toBe(true);

    r = await post(cookie, { csrf_token: page.token });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Choose a session to end.');

    r = await post(cookie, { csrf_token: page.token, end: ownId });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('This is the session you are using. Sign out to end it.');
    expect(await cookieWorks(mine)).toBe(true);

    // Another user's session: refused as if it did not exist, and left alone.
    r = await post(cookie, { csrf_token: page.token, end: theirId });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('That session has already ended.');
    expect(await appTokenWorks(theirApp)).toBe(true);

    r = await post(cookie, { csrf_token: page.token, end: page.endable[0] });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/account?ended=session');
    expect(await appTokenWorks(appToken)).toBe(false);
    // Again: it has ended.
    r = await post(cookie, { csrf_token: page.token, end: page.endable[0] });
    expect(r.status).toBe(400);

    // All others: another user's sessions are untouched.
    r = await post(cookie, { csrf_token: page.token, end: 'others' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/account?ended=others');
    expect(await cookieWorks(mine)).toBe(true);
    expect(await cookieWorks(theirs)).toBe(true);
    expect(await appTokenWorks(theirApp)).toBe(true);
  });
});
