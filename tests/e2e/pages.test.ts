import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import {
  SECRET,
  addWebClient,
  authorizationRequest,
  discoverClient,
  expectSecurePages,
  openContext,
  registerUser,
  signIn,
  startKit,
  visitedPaths,
  type Kit,
} from './pages-kit';

/** The hosted sign-in, account-creation and consent pages in headless Chromium. */
let kit: Kit;
let partner: oidc.Configuration;
let firstWeb: oidc.Configuration;
let otherSite: oidc.Configuration;
/** An application on another site than the server's: localhost vs 127.0.0.1 (served by route interception). */
const crossSiteCallback = () => `${kit.rp.replace('127.0.0.1', 'localhost')}/cb`;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  kit = await startKit();
  await addWebClient(kit, 'partner-app', 'Partner App', false);
  await addWebClient(kit, 'first-web', 'First Web', true);
  await addWebClient(kit, 'other-site', 'Other Site', false, [crossSiteCallback()]);
  otherSite = await discoverClient(kit, 'other-site', oidc.ClientSecretBasic(SECRET));
  partner = await discoverClient(kit, 'partner-app', oidc.ClientSecretBasic(SECRET));
  firstWeb = await discoverClient(kit, 'first-web', oidc.ClientSecretBasic(SECRET));
  for (const name of ['alice', 'bob', 'carol']) await registerUser(kit, `${name}@example.com`, PASSWORD, name);
});
afterAll(() => kit?.close());

describe('sign-in page', () => {
  it('shows the email-verification outcome banners', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await page.goto(`${kit.s.baseUrl}/login?verified=true`);
      expect(await page.getByRole('status').textContent()).toBe('Your email is verified. You can sign in now.');
      await page.goto(`${kit.s.baseUrl}/login?error=invalid-token`);
      expect(await page.getByRole('alert').textContent()).toBe('That verification link is not valid. Sign in to request a new one.');
      expect(await page.getByRole('status').count()).toBe(0);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('answers a wrong password exactly as an unknown email', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const attempt = async (email: string, password: string) => {
        await page.goto(`${kit.s.baseUrl}/login`);
        const status = await signIn(page, email, password);
        const alert = await page.getByRole('alert').textContent();
        // The whole page, less the email echoed back in the form.
        const text = (await page.locator('main').innerText()).replaceAll(email, '<email>');
        return { status, alert, text, url: page.url() };
      };
      const wrongPassword = await attempt('alice@example.com', 'not her password');
      const unknownEmail = await attempt('nobody@example.com', 'not her password');
      expect(wrongPassword.status).toBe(401);
      expect(wrongPassword.alert).toBe('Email or password is incorrect.');
      expect(unknownEmail).toEqual(wrongPassword);
      expect((await context.cookies()).some((c) => c.name === 'kendr_session')).toBe(false);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('links to account creation, which lands back in the authorization flow (first-party: no consent)', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const paths = visitedPaths(page, kit.s.baseUrl);
      const { url, checks } = await authorizationRequest(firstWeb, `${kit.rp}/cb`, { lang: 'de' });
      await page.goto(url.href);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getByText('to continue to First Web').isVisible()).toBe(true);
      // German is not one of the pages' languages: English, and <html lang> says so.
      expect(await page.getAttribute('html', 'lang')).toBe('en');

      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL(/\/register\?/);
      expect(await page.getByRole('heading', { name: 'Create an account' }).isVisible()).toBe(true);
      expect(await page.getByText('to continue to First Web').isVisible()).toBe(true);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      // A taken email: a generic refusal that names no account, and the request is kept.
      await page.getByLabel('Full name').fill('Dana New');
      await page.getByLabel('Email', { exact: true }).fill('alice@example.com');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      expect(await page.getByRole('alert').textContent()).toBe('An account cannot be created with these details. If you already have one, sign in instead.');
      expect(await page.getByText('to continue to First Web').isVisible()).toBe(true);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await page.getByLabel('Email', { exact: true }).fill('dana@example.com');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${kit.rp}/cb?**`);

      expect(paths).not.toContain('/consent');
      const tokens = await oidc.authorizationCodeGrant(firstWeb, new URL(page.url()), checks);
      expect(tokens.claims()).toMatchObject({ email: 'dana@example.com', name: 'Dana New', aud: ['first-web'] });
      expect((await context.cookies()).some((c) => c.name === 'kendr_session')).toBe(true);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});

describe('consent page (third-party client)', () => {
  it('Approve issues a code; the approval is remembered', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(partner, `${kit.rp}/cb`);
      await page.goto(url.href);
      await signIn(page, 'bob@example.com', PASSWORD);
      expect(new URL(page.url()).pathname).toBe('/consent');
      expect(await page.getByRole('heading').textContent()).toBe('Partner App wants to access your account');
      expect(await page.getByText('Signed in as bob@example.com').isVisible()).toBe(true);
      const scopes = await page.locator('ul.scopes li').allInnerTexts();
      expect(scopes).toEqual(['Confirm who you are (openid)', 'See your name and username (profile)', 'See your email address (email)']);

      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`${kit.rp}/cb?**`);
      const tokens = await oidc.authorizationCodeGrant(partner, new URL(page.url()), checks);
      expect(tokens.claims()).toMatchObject({ email: 'bob@example.com', aud: ['partner-app'] });

      // Asked again for the same scopes, the browser goes straight back.
      const paths = visitedPaths(page, kit.s.baseUrl);
      const second = await authorizationRequest(partner, `${kit.rp}/cb`);
      await page.goto(second.url.href);
      expect(page.url().startsWith(`${kit.rp}/cb?`)).toBe(true);
      expect(paths).not.toContain('/consent');
      expect((await oidc.authorizationCodeGrant(partner, new URL(page.url()), second.checks)).access_token).toBeTruthy();
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('Deny redirects with error=access_denied, the original state and iss', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(partner, `${kit.rp}/cb`, { login_hint: 'carol@example.com' });
      await page.goto(url.href);
      expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('carol@example.com');
      // A wrong password first: the form keeps the request.
      expect(await signIn(page, 'carol@example.com', 'wrong password')).toBe(401);
      expect(await page.getByText('to continue to Partner App').isVisible()).toBe(true);
      expect(await signIn(page, 'carol@example.com', PASSWORD)).toBe(303);
      expect(new URL(page.url()).pathname).toBe('/consent');
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL(`${kit.rp}/cb?**`);

      const answer = new URL(page.url()).searchParams;
      expect(answer.get('error')).toBe('access_denied');
      expect(answer.get('state')).toBe(checks.expectedState);
      expect(answer.get('iss')).toBe(kit.s.baseUrl);
      expect(answer.get('code')).toBeNull();
      await expect(oidc.authorizationCodeGrant(partner, new URL(page.url()), checks)).rejects.toMatchObject({ error: 'access_denied' });

      // The denial is not remembered as consent: the next request asks again.
      const next = await authorizationRequest(partner, `${kit.rp}/cb`);
      await page.goto(next.url.href);
      expect(new URL(page.url()).pathname).toBe('/consent');
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});

describe('an application on another site (SameSite=Lax session cookie)', () => {
  it('a link from the other site signs in and consents once; the next click comes straight back (SSO)', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const site = crossSiteCallback().replace('/cb', '');
      let authorizeUrl = '';
      await context.route(`${site}/**`, (route) =>
        route.fulfill({ contentType: 'text/html', body: `<a href="${authorizeUrl.replaceAll('&', '&amp;')}">Sign in with Keyhaven</a>` }),
      );
      const clickThrough = async () => {
        const req = await authorizationRequest(otherSite, crossSiteCallback());
        authorizeUrl = req.url.href;
        await page.goto(`${site}/start`);
        const [navigation] = await Promise.all([
          page.waitForRequest((r) => r.url().startsWith(`${kit.s.baseUrl}/oauth2/auth`)),
          page.getByRole('link', { name: 'Sign in with Keyhaven' }).click(),
        ]);
        expect(await navigation.headerValue('referer')).toBe(`${site}/`);
        return req.checks;
      };

      const checks = await clickThrough();
      await page.waitForURL(/\/login\?/);
      await signIn(page, 'alice@example.com', PASSWORD);
      expect(new URL(page.url()).pathname).toBe('/consent');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`${crossSiteCallback()}?**`);
      const sub = (await oidc.authorizationCodeGrant(otherSite, new URL(page.url()), checks)).claims()!.sub;

      const paths = visitedPaths(page, kit.s.baseUrl);
      const again = await clickThrough();
      await page.waitForURL(`${crossSiteCallback()}?**`);
      expect(paths).toEqual(['/oauth2/auth']);
      expect((await oidc.authorizationCodeGrant(otherSite, new URL(page.url()), again)).claims()!.sub).toBe(sub);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});
