import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import { expectSecurePages, openContext, registerUser, signIn, startKit, type Kit } from './pages-kit';

/**
 * Issue 8, "First run": the landing page at `/` and the account page a direct sign-in lands on
 * (who is signed in, sign out, MFA, sessions), in headless Chromium.
 */
let kit: Kit;
const PASSWORD = 'correct horse battery';
const EMAIL = 'owner@example.com';
const MFA_EMAIL = 'factor@example.com';
let backupCodes: string[];

beforeAll(async () => {
  kit = await startKit();
  await registerUser(kit, EMAIL, PASSWORD, 'Olive Owner');

  // A user with TOTP on (through the API, with codes from otplib).
  const reg = await fetch(`${kit.s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: MFA_EMAIL, password: PASSWORD, full_name: 'Fay Factor' }),
  });
  expect(reg.status).toBe(201);
  const cookie = reg.headers.get('set-cookie')!.split(';')[0];
  const mfa = async (body: Record<string, string>) => {
    const r = await fetch(`${kit.s.baseUrl}/api/v1/auth/mfa`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    return (await r.json()) as Record<string, unknown>;
  };
  const secret = new URL((await mfa({ action: 'setup' })).otpauthUrl as string).searchParams.get('secret')!;
  backupCodes = (await mfa({ action: 'enable', token: await generate({ secret }) })).backupCodes as string[];
});
afterAll(() => kit?.close());

const sessionCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'kendr_session')?.value;
const cookieWorks = async (value: string) =>
  (await fetch(`${kit.s.baseUrl}/api/auth/session`, { headers: { cookie: `kendr_session=${value}` } })).status === 200;
const appTokenWorks = async (token: string) =>
  (await fetch(`${kit.s.baseUrl}/api/app/auth/session`, { headers: { 'x-kendr-session': token } })).status === 200;

async function signInDirectly(page: Page, email = EMAIL) {
  await page.goto(`${kit.s.baseUrl}/login`);
  expect(await signIn(page, email, PASSWORD)).toBe(303);
}

/** The text of the account page's rows, one per session. */
const sessionRows = (page: Page) => page.locator('li.session').allInnerTexts();

describe('landing page', () => {
  it('GET / links to sign-in, account creation and the reference; signed in, it names the user and links to the account', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const res = await page.goto(`${kit.s.baseUrl}/`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-type']).toMatch(/^text\/html/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Keyhaven');
      expect(await page.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/login');
      expect(await page.getByRole('link', { name: 'Create an account' }).getAttribute('href')).toBe('/register');
      expect(await page.getByRole('link', { name: 'API reference' }).getAttribute('href')).toBe('/docs');

      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/login`);
      await signIn(page, EMAIL, PASSWORD);
      await page.goto(`${kit.s.baseUrl}/`);
      expect(await page.getByText(`Signed in as ${EMAIL}`).isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Your account' }).getAttribute('href')).toBe('/account');
      expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(0);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});

describe('account page', () => {
  it('a direct sign-in lands on /account, showing who is signed in and MFA off; without a session /account goes to sign-in', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await page.goto(`${kit.s.baseUrl}/account`);
      expect(new URL(page.url()).pathname).toBe('/login');

      await signIn(page, EMAIL, PASSWORD);
      expect(page.url()).toBe(`${kit.s.baseUrl}/account`);
      expect(await page.locator('#account-email').textContent()).toBe(EMAIL);
      expect(await page.locator('#account-name').textContent()).toBe('Olive Owner');
      expect(await page.locator('#mfa-status').textContent()).toBe('Off');
      expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);

      // Sign out from the account page: the existing logout form.
      const before = (await sessionCookie(context))!;
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/login?signed_out=true`);
      expect(await cookieWorks(before)).toBe(false);
      await page.goto(`${kit.s.baseUrl}/account`);
      expect(new URL(page.url()).pathname).toBe('/login');
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('account creation on /register with no application waiting lands on /account', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await page.goto(`${kit.s.baseUrl}/register`);
      await page.getByLabel('Full name').fill('Nina New');
      await page.getByLabel('Email', { exact: true }).fill('nina@example.com');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/account`);
      expect(await page.locator('#account-email').textContent()).toBe('nina@example.com');
      expect(await page.locator('#account-name').textContent()).toBe('Nina New');
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('shows MFA on and the backup codes left after a sign-in with a backup code', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await page.goto(`${kit.s.baseUrl}/login`);
      expect(await signIn(page, MFA_EMAIL, PASSWORD)).toBe(200);
      await page.getByLabel('Verification code').fill(backupCodes[0]);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/account`);
      expect(await page.locator('#account-email').textContent()).toBe(MFA_EMAIL);
      expect(await page.locator('#mfa-status').textContent()).toBe('On');
      expect(await page.locator('#backup-codes-left').textContent()).toBe('7 backup codes left');
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('lists the user’s browser and app sessions; ending one or all others stops their cookie or token at once', async () => {
    const mine = await openContext(kit, { userAgent: 'MainBrowser/1.0 (layout test)' });
    const other = await openContext(kit, { userAgent: 'OtherBrowser/2.0 (second device)' });
    try {
      await signInDirectly(mine.page);
      await signInDirectly(other.page);
      const otherCookie = (await sessionCookie(other.context))!;
      const myCookie = (await sessionCookie(mine.context))!;
      const login = await fetch(`${kit.s.baseUrl}/api/app/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'KeyhavenTestApp/3.1' },
        body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      const appToken = ((await login.json()) as { session: { token: string } }).session.token;
      // Another user's session is never listed.
      await fetch(`${kit.s.baseUrl}/api/app/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'SomeoneElse/1.0' },
        body: JSON.stringify({ email: MFA_EMAIL, password: PASSWORD }),
      });

      const { page } = mine;
      await page.goto(`${kit.s.baseUrl}/account`);
      const rows = await sessionRows(page);
      expect(rows.filter((r) => r.includes('MainBrowser/1.0'))).toHaveLength(1);
      expect(rows.find((r) => r.includes('MainBrowser/1.0'))).toContain('This session');
      expect(rows.filter((r) => r.includes('This session'))).toHaveLength(1);
      expect(rows.find((r) => r.includes('OtherBrowser/2.0'))).toContain('Browser session');
      expect(rows.find((r) => r.includes('KeyhavenTestApp/3.1'))).toContain('App session');
      expect(rows.some((r) => r.includes('SomeoneElse'))).toBe(false);
      for (const r of rows) expect(r).toMatch(/Signed in \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      for (const r of rows) expect(r).toMatch(/Last active \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      // This browser's own row has no end button (signing out is the Sign out button).
      expect(await page.locator('li.session', { hasText: 'MainBrowser/1.0' }).getByRole('button').count()).toBe(0);

      // End the other browser's session.
      await page.locator('li.session', { hasText: 'OtherBrowser/2.0' }).getByRole('button', { name: 'End session' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/account?ended=session`);
      expect(await page.getByRole('status').textContent()).toBe('The session was ended.');
      expect((await sessionRows(page)).some((r) => r.includes('OtherBrowser/2.0'))).toBe(false);
      expect(await cookieWorks(otherCookie)).toBe(false);
      await other.page.goto(`${kit.s.baseUrl}/account`);
      expect(new URL(other.page.url()).pathname).toBe('/login');
      expect(await appTokenWorks(appToken)).toBe(true);

      // End all the others: the app token stops working, this browser stays signed in.
      await page.getByRole('button', { name: 'End all other sessions' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/account?ended=others`);
      expect(await page.getByRole('status').textContent()).toBe('All other sessions were ended.');
      expect(await appTokenWorks(appToken)).toBe(false);
      expect(await cookieWorks(myCookie)).toBe(true);
      const left = await sessionRows(page);
      expect(left).toHaveLength(1);
      expect(left[0]).toContain('This session');
      expect(await page.getByRole('button', { name: 'End all other sessions' }).count()).toBe(0);
      expectSecurePages(mine);
    } finally {
      await mine.context.close();
      await other.context.close();
    }
  });
});
