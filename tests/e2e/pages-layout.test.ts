import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { SECRET, addWebClient, authorizationRequest, discoverClient, expectSecurePages, openContext, registerUser, signIn, startKit, type Kit, type Opened } from './pages-kit';

/**
 * Issue 8, "First run": every hosted page at phone width (375 px) and desktop width (1280 px) in
 * headless Chromium. No horizontal scrolling, a card that keeps a margin from both edges, the
 * password hint under the password field, no favicon request that fails, and a reference page
 * whose "Try it out" calls the server that serves it.
 */
let kit: Kit;
let partner: oidc.Configuration;
let cli: oidc.Configuration;
// Long enough to overflow a phone-width card unless the page wraps it.
const EMAIL = 'a-rather-long-address.for-layout-checks@subdomain.example.com';
const PASSWORD = 'correct horse battery';
const WIDTHS = [375, 1280] as const;
/** The smallest gap between the card and either edge of the window. */
const MIN_MARGIN = 8;

beforeAll(async () => {
  kit = await startKit();
  await addWebClient(kit, 'partner-app', 'Partner App', false);
  partner = await discoverClient(kit, 'partner-app', oidc.ClientSecretBasic(SECRET));
  cli = await discoverClient(kit, 'kendr-cli', oidc.None());
  await registerUser(kit, EMAIL, PASSWORD, 'Layout Tester With A Rather Long Name');
  // An app session whose user agent has no break opportunity: the account page lists it.
  const r = await fetch(`${kit.s.baseUrl}/api/app/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': `KeyhavenLayoutCheck/${'x'.repeat(300)}` },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(r.status).toBe(200);
});
afterAll(() => kit?.close());

/** Every response the tab saw, favicon requests included (Chromium makes those outside the page's own events). */
async function recordNetwork(page: Page): Promise<{ url: string; status: number }[]> {
  const seen: { url: string; status: number }[] = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (e) => seen.push({ url: e.response.url, status: e.response.status }));
  return seen;
}

async function expectLayout(page: Page, width: number, label: string, card = true) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    card: document.querySelector('main')?.getBoundingClientRect().toJSON() as DOMRect | undefined,
  }));
  expect(m.innerWidth, label).toBe(width);
  expect(m.scrollWidth, `${label}: horizontal overflow`).toBeLessThanOrEqual(width);
  await expectIcon(page, label);
  if (!card) return;
  expect(m.card, `${label}: no card`).toBeDefined();
  expect(m.card!.left, `${label}: card touches the left edge`).toBeGreaterThanOrEqual(MIN_MARGIN);
  expect(width - m.card!.right, `${label}: card touches the right edge`).toBeGreaterThanOrEqual(MIN_MARGIN);
}

/**
 * The page declares its icon, so the browser does not fall back to a missing /favicon.ico (Chromium asks
 * for that once per browser, so the network record alone would miss it after the first page).
 */
async function expectIcon(page: Page, label: string) {
  const href = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href);
  expect(href, `${label}: no icon declared`).toBeTruthy();
  if (!href!.startsWith('data:')) expect((await page.request.get(href!)).status(), `${label}: icon`).toBe(200);
}

async function expectHintUnderPassword(page: Page, label: string) {
  const password = (await page.getByLabel('Password', { exact: true }).boundingBox())!;
  const hint = (await page.getByText('At least 8 characters.').boundingBox())!;
  const button = (await page.getByRole('button', { name: 'Create account' }).boundingBox())!;
  expect(hint.y, `${label}: hint not below the password field`).toBeGreaterThanOrEqual(password.y + password.height);
  expect(button.y, `${label}: hint beside the button`).toBeGreaterThanOrEqual(hint.y + hint.height);
  expect(Math.abs(hint.x - password.x), `${label}: hint not aligned with the field`).toBeLessThanOrEqual(1);
  expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).toBeTruthy();
}

describe.each(WIDTHS)('hosted pages at %i px', (width) => {
  it('fit the window, keep the card off the edges, and request no missing favicon', async () => {
    const opened: Opened = await openContext(kit);
    const { context, page } = opened;
    await page.setViewportSize({ width, height: 800 });
    const network = await recordNetwork(page);
    const visit = async (path: string, label: string, card = true) => {
      const res = await page.goto(`${kit.s.baseUrl}${path}`);
      expect(res?.status(), label).toBeLessThan(400);
      await expectLayout(page, width, `${label} at ${width}px`, card);
    };
    try {
      // Signed out.
      await visit('/', 'landing');
      await visit('/login', 'sign-in');
      await visit('/register', 'register');
      await expectHintUnderPassword(page, `register at ${width}px`);
      await visit('/login?signed_out=true', 'sign-in with a banner');

      // Signed in.
      await page.goto(`${kit.s.baseUrl}/login`);
      expect(await signIn(page, EMAIL, PASSWORD)).toBe(303);
      await visit('/', 'landing, signed in');
      await visit('/login', 'sign-in, signed in');
      await visit('/account', 'account');

      const { url } = await authorizationRequest(partner, `${kit.rp}/cb`);
      await page.goto(url.href);
      expect(new URL(page.url()).pathname).toBe('/consent');
      await expectLayout(page, width, `consent at ${width}px`);

      await visit('/oauth/device', 'device entry');
      const device = await oidc.initiateDeviceAuthorization(cli, { scope: 'openid profile email offline_access' });
      await page.goto(device.verification_uri_complete!);
      expect(await page.locator('#user-code').textContent()).toBe(device.user_code);
      await expectLayout(page, width, `device confirmation at ${width}px`);

      await visit('/logout', 'logout confirmation');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login\?signed_out=true$/);
      await expectLayout(page, width, `signed out at ${width}px`);

      await page.goto(`${kit.s.baseUrl}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      await expectLayout(page, width, `docs at ${width}px`, false);

      // Browsers fetch the icon after the page has loaded.
      await page.waitForTimeout(500);
      const favicons = network.filter((r) => /favicon|\.ico$/i.test(new URL(r.url).pathname));
      expect(favicons.filter((r) => r.status >= 400)).toEqual([]);
      expect(network.filter((r) => r.status === 404)).toEqual([]);
      expectSecurePages({ ...opened, pageResponses: opened.pageResponses.filter((r) => !r.url.includes('/docs')) });
    } finally {
      await context.close();
    }
  }, 90_000);
});

describe('/docs "Try it out"', () => {
  it('names this server, without markup in the label, and sends the request to it', async () => {
    const { context, page } = await openContext(kit);
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${kit.s.baseUrl}/docs`);
      const select = page.locator('.servers select');
      await select.waitFor({ timeout: 20_000 });
      const options = await select.locator('option').evaluateAll((els) => els.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
      expect(options.map((o) => o.value)).toEqual([kit.s.baseUrl]);
      for (const o of options) expect(o.text).not.toMatch(/[`*_]/);
      expect(await select.inputValue()).toBe(kit.s.baseUrl);

      // Execute GET /healthz from the page: the request goes to this server and succeeds.
      const op = page.locator('.opblock', { hasText: 'Liveness and database check' }).first();
      await op.locator('.opblock-summary').first().click();
      await op.getByRole('button', { name: 'Try it out' }).click();
      const [sent] = await Promise.all([
        page.waitForRequest((r) => new URL(r.url()).pathname === '/healthz'),
        op.getByRole('button', { name: 'Execute' }).click(),
      ]);
      expect(new URL(sent.url()).origin).toBe(kit.s.baseUrl);
      await op.locator('.live-responses-table tbody .response-col_status').first().waitFor();
      expect((await op.locator('.live-responses-table tbody .response-col_status').first().textContent())?.trim()).toBe('200');
      expect(await op.locator('.request-url pre').first().textContent()).toBe(`${kit.s.baseUrl}/healthz`);
    } finally {
      await context.close();
    }
  }, 60_000);
});
