import { esc } from '../escape';
import { en, type Catalogue, type MessageKey } from './en';
import { es } from './es';
import { fr } from './fr';

export type { Catalogue, MessageKey } from './en';

/** The hosted pages' languages, one catalogue each; English is the default and the fallback. */
export const CATALOGUES = { en, es, fr } satisfies Record<string, Catalogue>;
export type Lang = keyof typeof CATALOGUES;
export const DEFAULT_LANG: Lang = 'en';

const isLang = (v: string): v is Lang => Object.hasOwn(CATALOGUES, v);

/** A supported language for a BCP 47 tag, by its primary subtag (`es-MX` → es, `EN` → en); else undefined. */
export function supportedLang(tag: string | undefined): Lang | undefined {
  const primary = tag?.trim().split(/[-_]/)[0].toLowerCase();
  return primary && isLang(primary) ? primary : undefined;
}

/**
 * The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): ranges by
 * descending weight (ties keep their order), `q=0` excluded; `*` names none in particular.
 */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .map((part, i) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)).find(Boolean);
      return { lang: supportedLang(range), q: q ? Number(q[1]) : 1, i };
    })
    .filter((r) => r.lang !== undefined && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranges[0]?.lang;
}

/**
 * The language of a page. An explicit `lang` (the authorization request's, else the page's `?lang=`)
 * decides: a supported one is used, any other value gives English. Without one, the browser's
 * `Accept-Language` picks among the supported languages, else English.
 */
export function resolveLang(explicit: string | undefined, acceptLanguage: string | undefined): Lang {
  if (explicit) return supportedLang(explicit) ?? DEFAULT_LANG;
  return fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG;
}

/** HTML inserted as is into a message (a link, a `<strong>` around an escaped name). */
export interface Raw {
  readonly html: string;
}
export const raw = (html: string): Raw => ({ html });

type Vars = Record<string, string | number | Raw>;

const fill = (template: string, vars: Vars, text: (s: string) => string, value: (v: string | number | Raw) => string) =>
  template
    .split(/(\{[a-z]+\})/i)
    .map((part) => {
      const name = /^\{([a-z]+)\}$/i.exec(part)?.[1];
      return name !== undefined && name in vars ? value(vars[name]) : text(part);
    })
    .join('');

export interface Translator {
  lang: Lang;
  /** Plain text (for titles and banners, which escape it themselves). */
  text(key: MessageKey, vars?: Record<string, string | number>): string;
  /** HTML: the message escaped, string values escaped, `raw()` values inserted as they are. */
  html(key: MessageKey, vars?: Vars): string;
  /** Whether a key built at run time (`scope.${name}`) is in the catalogue. */
  has(key: string): key is MessageKey;
  /** A plural message (`<key>.one` / `<key>.other`) for `count`, as HTML. */
  plural(key: PluralKey, count: number, vars?: Vars): string;
}

/** Keys that have `.one` and `.other` forms. */
export type PluralKey = { [K in MessageKey]: K extends `${infer P}.one` ? (`${P}.other` extends MessageKey ? P : never) : never }[MessageKey];

const translators = new Map<Lang, Translator>();

/** The translator of a language (one per language, reused). */
export function translator(lang: Lang): Translator {
  let t = translators.get(lang);
  if (!t) {
    const catalogue: Catalogue = CATALOGUES[lang];
    const rules = new Intl.PluralRules(lang);
    const html = (key: MessageKey, vars: Vars = {}) => fill(catalogue[key], vars, esc, (v) => (typeof v === 'object' ? v.html : esc(v)));
    t = {
      lang,
      text: (key, vars = {}) => fill(catalogue[key], vars, (s) => s, String),
      html,
      has: (key): key is MessageKey => Object.hasOwn(catalogue, key),
      plural: (key, count, vars = {}) => html(`${key}.${rules.select(count) === 'one' ? 'one' : 'other'}` as MessageKey, { count, ...vars }),
    };
    translators.set(lang, t);
  }
  return t;
}
