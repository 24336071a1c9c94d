import { describe, expect, it } from 'vitest';
import { CATALOGUES, fromAcceptLanguage, raw, resolveLang, supportedLang, translator, type Lang } from '../../src/pages/i18n';
import { SCOPE_DESCRIPTIONS } from '../../src/services/oauth/consent';

/**
 * The hosted pages' catalogues (issue 9, `lang`): one per language, the same keys in each, no empty
 * string, the same placeholders as the English message; and how a page's language is chosen.
 */
const english = CATALOGUES.en;
const placeholders = (message: string) => [...message.matchAll(/\{([a-z]+)\}/gi)].map((m) => m[1]).sort();
const others = Object.entries(CATALOGUES).filter(([lang]) => lang !== 'en') as [Lang, Record<string, string>][];

describe('catalogues', () => {
  it('English and at least two other languages', () => {
    expect(Object.keys(CATALOGUES)).toEqual(expect.arrayContaining(['en', 'es', 'fr']));
    expect(others.length).toBeGreaterThanOrEqual(2);
  });

  it.each(Object.keys(CATALOGUES))('%s has exactly the English keys, none of them empty', (lang) => {
    const catalogue: Record<string, string> = CATALOGUES[lang as Lang];
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(english).sort());
    const empty = Object.entries(catalogue).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
    expect(empty).toEqual([]);
  });

  it.each(others.map(([lang]) => lang))('%s keeps every placeholder of the English message', (lang) => {
    const catalogue: Record<string, string> = CATALOGUES[lang];
    const differing = Object.keys(english).filter((k) => placeholders(catalogue[k]).join() !== placeholders(english[k as keyof typeof english]).join());
    expect(differing).toEqual([]);
  });

  it.each(others.map(([lang]) => lang))('%s is a translation, not a copy (the sign-in words differ from English)', (lang) => {
    const catalogue: Record<string, string> = CATALOGUES[lang];
    for (const key of ['common.email', 'common.password', 'common.signIn', 'common.createAccount', 'org.title'] as const) {
      expect(catalogue[key], key).not.toBe(english[key]);
    }
  });

  it('every scope the server knows is worded, in English as the consent service words it', () => {
    for (const [scope, description] of Object.entries(SCOPE_DESCRIPTIONS)) {
      expect(english[`scope.${scope}` as keyof typeof english], scope).toBe(description);
    }
  });
});

describe('translator', () => {
  it('escapes the message and string values; raw() values go in as they are', () => {
    const t = translator('en');
    expect(t.html('consent.heading', { client: '<b>Evil</b> & co' })).toBe('&#60;b&#62;Evil&#60;/b&#62; &#38; co wants to access your account');
    expect(t.html('common.continueTo', { client: raw('<strong>App</strong>') })).toBe('to continue to <strong>App</strong>');
    expect(t.text('consent.heading', { client: 'A & B' })).toBe('A & B wants to access your account');
  });

  it('chooses plural forms by the language\'s rules', () => {
    expect(translator('en').plural('account.backupCodesLeft', 1)).toBe('1 backup code left');
    expect(translator('en').plural('account.backupCodesLeft', 0)).toBe('0 backup codes left');
    expect(translator('es').plural('account.backupCodesLeft', 7)).toBe('Quedan 7 códigos de respaldo');
    // French counts 0 and 1 as singular.
    expect(translator('fr').plural('account.backupCodesLeft', 0)).toBe('0 code de secours restant');
    expect(translator('fr').plural('account.backupCodesLeft', 2)).toBe('2 codes de secours restants');
  });
});

describe('choosing the language', () => {
  it('a tag picks its primary language; anything else is not supported', () => {
    expect(supportedLang('es')).toBe('es');
    expect(supportedLang('es-MX')).toBe('es');
    expect(supportedLang('FR_ca')).toBe('fr');
    expect(supportedLang('en-AU')).toBe('en');
    for (const tag of ['de', 'pt-BR', '', 'toString', '__proto__', 'e', 'xx-es']) expect(supportedLang(tag), tag).toBeUndefined();
  });

  it('Accept-Language: the best-weighted supported range, q=0 excluded, * none in particular', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,fr;q=0.8,es;q=0.7')).toBe('fr');
    expect(fromAcceptLanguage('en;q=0.5, es-419')).toBe('es');
    expect(fromAcceptLanguage('fr;q=0, en;q=0.1')).toBe('en');
    expect(fromAcceptLanguage('es;q=0.8, fr;q=0.8')).toBe('es');
    expect(fromAcceptLanguage('*')).toBeUndefined();
    expect(fromAcceptLanguage('de, ja')).toBeUndefined();
    expect(fromAcceptLanguage(undefined)).toBeUndefined();
  });

  it('an explicit lang decides (unknown → English); without one Accept-Language, else English', () => {
    expect(resolveLang('fr', 'es')).toBe('fr');
    expect(resolveLang('de', 'es')).toBe('en');
    expect(resolveLang(undefined, 'es-ES,es;q=0.9')).toBe('es');
    expect(resolveLang(undefined, 'de')).toBe('en');
    expect(resolveLang(undefined, undefined)).toBe('en');
  });
});
