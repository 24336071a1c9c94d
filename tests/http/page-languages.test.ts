import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { CATALOGUES, type Lang } from '../../src/pages/i18n';
import type { OAuthClient } from '../../src/services/oauth/types';

/**
 * Issue 9: the hosted pages' language over plain HTTP. A pending request's `lang` wins; pages without one
 * take `?lang=` (kept by their links and forms) and otherwise `Accept-Language`; anything unsupported is
 * English. Every page shown in Spanish or French carries no English sentence from the catalogue.
 */
let s: TestServer;
let cookie: string;
const CB = 'https://third.example.com/cb';
const third: OAuthClient = {
  clientId: 'lang-third', name: 'Tercera', type: 'public', redirectUris: [CB], logoutUris: [], grantTypes: ['authorization_code'],
  defaultScopes: ['openid'], tokenFormat: 'jwt', firstParty: false, audiences: [],
};

beforeAll(async () => {
  s = await startServer();
  await s.deps.repos.oauthClients.insert({ ...third, secretHash: null, createdAt: Date.now() });
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'polyglot@example.com', password: 'supersecret123', full_name: 'Poly Glot' }),
  });
  cookie = r.headers.get('set-cookie')!.split(';')[0];
});
afterAll(() => s?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(s.baseUrl + path, { redirect: 'manual', headers });
const langOf = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];

/** The page's visible text (tags dropped, the few entities the pages use decoded). */
const textOf = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ');

/** English catalogue sentences (their parts between placeholders, 8 characters or more) found in a page of another language. */
function englishIn(html: string, lang: Lang): string[] {
  const text = textOf(html);
  const other: Record<string, string> = CATALOGUES[lang];
  const asWords = (part: string) => new RegExp(`(?<!\\p{L})${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\p{L})`, 'u');
  return Object.entries(CATALOGUES.en)
    .filter(([key, message]) => other[key] !== message)
    .flatMap(([, message]) => message.split(/\{[a-z]+\}/i).map((part) => part.trim()))
    .filter((part) => part.length >= 8 && asWords(part).test(text));
}

async function authorizeUrl(extra: Record<string, string>) {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  return `/oauth2/auth?${new URLSearchParams({ response_type: 'code', client_id: third.clientId, redirect_uri: CB, scope: 'openid profile email', code_challenge: challenge, code_challenge_method: 'S256', ...extra })}`;
}

describe('pages without a pending request', () => {
  it('?lang= picks the language; a regional tag its primary one; anything else is English', async () => {
    for (const [lang, expected, heading] of [['es', 'es', 'Iniciar sesión'], ['fr-BE', 'fr', 'Se connecter'], ['de', 'en', 'Sign in'], ['', 'en', 'Sign in']]) {
      const html = await (await get(`/login?lang=${lang}`, { 'accept-language': 'es' })).text();
      const want = lang === '' ? 'es' : expected;
      expect(langOf(html), lang).toBe(want);
      if (lang !== '') expect(html).toContain(`<h1>${heading}</h1>`);
    }
  });

  it('without ?lang=, Accept-Language\'s best supported match, else English', async () => {
    expect(langOf(await (await get('/login', { 'accept-language': 'de-DE,de;q=0.9,fr;q=0.8,es;q=0.5' })).text())).toBe('fr');
    expect(langOf(await (await get('/register', { 'accept-language': 'es-419' })).text())).toBe('es');
    expect(langOf(await (await get('/', { 'accept-language': 'ja, de' })).text())).toBe('en');
    expect(langOf(await (await get('/')).text())).toBe('en');
  });

  it('links and forms keep a language chosen with ?lang=', async () => {
    const html = await (await get('/login?lang=fr')).text();
    expect(html).toContain('<input type="hidden" name="lang" value="fr">');
    expect(html).toContain('href="/register?lang=fr"');
    const home = await (await get('/?lang=es')).text();
    expect(home).toContain('href="/login?lang=es"');
    // A direct sign-in with the language goes on to the account page in it.
    const page = await get('/login?lang=es');
    const csrf = page.headers.get('set-cookie')!.split(';')[0];
    const token = /name="csrf_token" value="([^"]+)"/.exec(await page.text())![1];
    const r = await fetch(`${s.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf, origin: s.baseUrl },
      body: new URLSearchParams({ csrf_token: token, email: 'polyglot@example.com', password: 'wrong password', lang: 'es' }),
    });
    expect(r.status).toBe(401);
    const refused = await r.text();
    expect(langOf(refused)).toBe('es');
    expect(refused).toContain('El correo electrónico o la contraseña no son correctos.');
    const ok = await fetch(`${s.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf, origin: s.baseUrl },
      body: new URLSearchParams({ csrf_token: token, email: 'polyglot@example.com', password: 'supersecret123', lang: 'es' }),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/account?lang=es');
  });

  it.each(['es', 'fr'] as const)('%s: the pages carry no English sentence', async (lang) => {
    // The check finds English where there is some.
    expect(englishIn(await (await get('/login')).text(), lang)).toContain('New here?');
    const signedIn = { cookie };
    const pages = {
      home: await get(`/?lang=${lang}`, signedIn),
      login: await get(`/login?lang=${lang}&verified=true`),
      register: await get(`/register?lang=${lang}`),
      account: await get(`/account?lang=${lang}`, signedIn),
      device: await get(`/oauth/device?lang=${lang}`, signedIn),
      deviceUnknownCode: await get(`/oauth/device?lang=${lang}&user_code=BCDF-GHJK`, signedIn),
      deviceDone: await get(`/oauth/device?lang=${lang}&result=denied`),
      logout: await get('/logout', { ...signedIn, 'accept-language': lang }),
      unknownClient: await get(`/oauth2/auth?client_id=nobody&lang=${lang}`),
    };
    for (const [name, r] of Object.entries(pages)) {
      const html = await r.text();
      expect(langOf(html), name).toBe(lang);
      expect(englishIn(html, lang), name).toEqual([]);
    }
  });
});

describe('pages of a pending request', () => {
  it('the request\'s lang wins over Accept-Language and the page\'s ?lang=; consent in that language', async () => {
    const anonymous = new URL((await get(await authorizeUrl({ lang: 'fr' }), { 'accept-language': 'es' })).headers.get('location')!);
    expect(anonymous.pathname).toBe('/login');
    const login = await (await get(`${anonymous.pathname}${anonymous.search}&lang=es`, { 'accept-language': 'es' })).text();
    expect(langOf(login)).toBe('fr');
    const r = await get(await authorizeUrl({ lang: 'fr' }), { cookie, 'accept-language': 'es' });
    const location = new URL(r.headers.get('location')!);
    expect(location.pathname).toBe('/consent');
    const consent = await (await get(`${location.pathname}${location.search}`, { cookie, 'accept-language': 'es' })).text();
    expect(langOf(consent)).toBe('fr');
    expect(consent).toContain('<h1>Tercera souhaite accéder à votre compte</h1>');
    expect(consent).toContain('Voir votre adresse e-mail');
    expect(englishIn(consent, 'fr')).toEqual([]);
  });

  it('without lang on the request, the browser\'s Accept-Language', async () => {
    const r = await get(await authorizeUrl({}), { cookie, 'accept-language': 'es-ES,es;q=0.9,en;q=0.8' });
    const location = new URL(r.headers.get('location')!);
    const consent = await (await get(`${location.pathname}${location.search}`, { cookie, 'accept-language': 'es-ES,es;q=0.9,en;q=0.8' })).text();
    expect(langOf(consent)).toBe('es');
    expect(consent).toContain('<h1>Tercera quiere acceder a tu cuenta</h1>');
    expect(englishIn(consent, 'es')).toEqual([]);
  });

  it('an unsupported lang on the request is English, whatever the browser prefers', async () => {
    const login = await get(await authorizeUrl({ lang: 'pt-BR' }), { 'accept-language': 'fr' });
    const page = await (await get(new URL(login.headers.get('location')!).pathname + new URL(login.headers.get('location')!).search, { 'accept-language': 'fr' })).text();
    expect(langOf(page)).toBe('en');
    expect(page).toContain('<h1>Sign in</h1>');
  });
});
