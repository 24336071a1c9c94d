import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import {
  SECRET,
  addWebClient,
  authorizationRequest,
  discoverClient,
  expectSecurePages,
  openContext,
  registerUser,
  startKit,
  visitedPaths,
  type Kit,
} from './pages-kit';

/**
 * Issue 9 (seed 002) in headless Chromium: `lang` on the authorization request picks the hosted pages'
 * language (Spanish, French; anything else English), and a user in several organizations chooses one
 * on the hosted chooser, whose code is the one the access token carries.
 */
let kit: Kit;
let web: oidc.Configuration;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  kit = await startKit();
  await addWebClient(kit, 'i18n-web', 'Lingo Web', true);
  web = await discoverClient(kit, 'i18n-web', oidc.ClientSecretBasic(SECRET));
  for (const name of ['ana', 'fabien', 'una']) await registerUser(kit, `${name}@example.com`, PASSWORD, name);
});
afterAll(() => kit?.close());

/** Fills and submits the sign-in form with the words of the page's language. */
async function signInWith(page: Page, words: { email: string; password: string; button: string }, email: string): Promise<void> {
  await page.getByLabel(words.email, { exact: true }).fill(email);
  await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: words.button, exact: true }).click();
}

const ES = { email: 'Correo electrónico', password: 'Contraseña', button: 'Iniciar sesión' };
const FR = { email: 'Adresse e-mail', password: 'Mot de passe', button: 'Se connecter' };
const EN = { email: 'Email', password: 'Password', button: 'Sign in' };

describe('lang on the authorization request', () => {
  it('lang=es: the sign-in page in Spanish, its errors too, and the flow completes', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { lang: 'es' });
      await page.goto(url.href);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      expect(await page.title()).toBe('Iniciar sesión · Keyhaven');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Iniciar sesión');
      expect(await page.getByText('para continuar en Lingo Web').isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Crear una cuenta' }).isVisible()).toBe(true);

      // Nothing entered: the error is in Spanish and the request is kept.
      await page.getByRole('button', { name: ES.button, exact: true }).click();
      expect(await page.getByRole('alert').textContent()).toBe('Introduce tu correo electrónico y tu contraseña.');
      expect(await page.getByText('para continuar en Lingo Web').isVisible()).toBe(true);
      await signInWith(page, ES, 'ana@example.com');
      await page.waitForURL(`${kit.rp}/cb?**`);
      const tokens = await oidc.authorizationCodeGrant(web, new URL(page.url()), checks);
      expect(tokens.claims()).toMatchObject({ email: 'ana@example.com', aud: ['i18n-web'] });
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('lang=fr-CA: French sign-in, a refused password in French, then the code', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { lang: 'fr-CA' });
      await page.goto(url.href);
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Se connecter');
      await page.getByLabel(FR.email, { exact: true }).fill('fabien@example.com');
      await page.getByLabel(FR.password, { exact: true }).fill('not the password');
      await page.getByRole('button', { name: FR.button, exact: true }).click();
      expect(await page.getByRole('alert').textContent()).toBe('Adresse e-mail ou mot de passe incorrect.');
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await signInWith(page, FR, 'fabien@example.com');
      await page.waitForURL(`${kit.rp}/cb?**`);
      const tokens = await oidc.authorizationCodeGrant(web, new URL(page.url()), checks);
      expect(tokens.claims()).toMatchObject({ email: 'fabien@example.com' });
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('lang=fr carries to the account-creation page', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { lang: 'fr' });
      await page.goto(url.href);
      await page.getByRole('link', { name: 'Créer un compte' }).click();
      await page.waitForURL(/\/register\?/);
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Créer un compte');
      expect(await page.locator('#password-hint').textContent()).toBe('Au moins 8 caractères.');
      await page.getByLabel('Nom complet').fill('Frédérique Neuve');
      await page.getByLabel(FR.email, { exact: true }).fill('frederique@example.com');
      await page.getByLabel(FR.password, { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Créer le compte' }).click();
      await page.waitForURL(`${kit.rp}/cb?**`);
      expect((await oidc.authorizationCodeGrant(web, new URL(page.url()), checks)).claims()).toMatchObject({ email: 'frederique@example.com' });
    } finally {
      await context.close();
    }
  });

  it('an unknown lang falls back to English, even for a browser that prefers French', async () => {
    const opened = await openContext(kit, { locale: 'fr-FR' });
    const { context, page } = opened;
    try {
      const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { lang: 'tlh' });
      await page.goto(url.href);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
      await signInWith(page, EN, 'una@example.com');
      await page.waitForURL(`${kit.rp}/cb?**`);
      expect((await oidc.authorizationCodeGrant(web, new URL(page.url()), checks)).claims()).toMatchObject({ email: 'una@example.com' });
    } finally {
      await context.close();
    }
  });

  it('without lang, the browser\'s language (Accept-Language) picks the page\'s', async () => {
    const opened = await openContext(kit, { locale: 'es-MX' });
    const { context, page } = opened;
    try {
      const { url } = await authorizationRequest(web, `${kit.rp}/cb`);
      await page.goto(url.href);
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      expect(await page.getByRole('button', { name: ES.button, exact: true }).isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });
});

describe('organization chooser', () => {
  it('a user in several organizations chooses one (in Spanish); the access token carries its org_code', async () => {
    const email = 'oriana@example.com';
    await registerUser(kit, email, PASSWORD, 'Oriana');
    const repos = kit.s.deps.repos;
    const user = (await repos.users.findByEmail(email))!;
    const now = Date.now();
    for (const [code, name] of [['org_chooser_acme', 'Acme'], ['org_chooser_globex', 'Globex']]) {
      const org = await repos.tenants.create({ code, name, kind: 'standard' }, now);
      await repos.tenants.addMember(user.id, org.id, 'member', now);
    }
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const paths = visitedPaths(page, kit.s.baseUrl);
      const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { lang: 'es' });
      await page.goto(url.href);
      await signInWith(page, ES, email);
      await page.waitForURL(/\/organizations\/select\?/);
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Elige una organización');
      expect(await page.getByText('Elige la que quieres usar con Lingo Web').isVisible()).toBe(true);
      const choices = await page.locator('ul.choices button').allInnerTexts();
      expect(choices).toEqual(["Oriana's playground", 'Acme', 'Globex']);

      await page.getByRole('button', { name: 'Globex' }).click();
      await page.waitForURL(`${kit.rp}/cb?**`);
      const tokens = await oidc.authorizationCodeGrant(web, new URL(page.url()), checks);
      expect(decodeJwt(tokens.access_token)).toMatchObject({ org_code: 'org_chooser_globex', org_name: 'Globex' });
      expect(paths).toContain('/organizations/select');

      // Signed in already, naming an organization: no chooser.
      const named = await authorizationRequest(web, `${kit.rp}/cb`, { org_code: 'org_chooser_acme' });
      const before = paths.length;
      await page.goto(named.url.href);
      await page.waitForURL(`${kit.rp}/cb?**`);
      expect(paths.slice(before)).toEqual(['/oauth2/auth']);
      const acme = await oidc.authorizationCodeGrant(web, new URL(page.url()), named.checks);
      expect(decodeJwt(acme.access_token).org_code).toBe('org_chooser_acme');
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});
