import type { Deps } from '../deps';
import type { CookieSpec } from '../http/handler';
import type { HttpError } from '../http/errors';
import { SESSION_COOKIE } from '../http/security/sessions';
import { extraOf, type AuthorizeOutcome, type PendingAuthorization } from '../services/oauth/authorize';
import { checkCsrf, type Csrf, type FormName } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { resolveLang, translator, type Lang, type MessageKey } from '../pages/i18n';
import { PAGE_HEADERS, type Banner } from '../pages/layout';

// Results shared by the hosted-page handlers. An HTML result is typed per status by the generated
// types; the one cast is here.

export function page(status: number, html: string, opts: { csrf?: Csrf; cookies?: CookieSpec[]; headers?: Record<string, string> } = {}): never {
  const cookies = [...(opts.csrf?.cookie ? [opts.csrf.cookie] : []), ...(opts.cookies ?? [])];
  return { status, html, headers: { ...PAGE_HEADERS, ...opts.headers }, ...(cookies.length ? { cookies } : {}) } as never;
}

export function redirect(status: 302 | 303, location: string, cookies?: CookieSpec[]): never {
  return { status, redirect: location, headers: PAGE_HEADERS, ...(cookies?.length ? { cookies } : {}) } as never;
}

/** An authorization step's outcome: back to the client, or a dead-end error page. */
export function outcomeResult(outcome: AuthorizeOutcome, status: 302 | 303, lang: Lang, cookies?: CookieSpec[]): never {
  return outcome.kind === 'redirect' ? redirect(status, outcome.location, cookies) : page(400, errorPage(lang, outcome.error), { cookies });
}

/** A `lang` given to a page (`?lang=` or a form's field): the supported language it names, English for any other value. */
export const chosenLang = (value: string | undefined): Lang | undefined => (value ? resolveLang(value, undefined) : undefined);

/**
 * A page's language: the pending authorization request's `lang` when it has one, else the one chosen
 * on the page, else the browser's `Accept-Language`, else English.
 */
export function langOf(ctx: { headers: Record<string, string | undefined> }, pending: PendingAuthorization | undefined, chosen?: Lang): Lang {
  return resolveLang((pending ? extraOf(pending).lang : undefined) ?? chosen, ctx.headers['accept-language']);
}

/** A banner named by its catalogue key, worded when the page's language is known. */
export interface Notice {
  kind: Banner['kind'];
  key: MessageKey;
}
export const notice = (lang: Lang, n: Notice | undefined): Banner | undefined => (n ? { kind: n.kind, text: translator(lang).text(n.key) } : undefined);

export const sessionCookie = (deps: Deps, token: string): CookieSpec => ({ name: SESSION_COOKIE, value: token, maxAge: deps.config.browserSessionAbsoluteSeconds });
export const clearedSessionCookie: CookieSpec = { name: SESSION_COOKIE, value: '', maxAge: 0 };
export const error = (key: MessageKey): Notice => ({ kind: 'error', key });
export const retryAfter = (err: HttpError) => err.extra.headers ?? {};

export interface FormCtx {
  deps: Deps;
  cookies: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
}

export const csrfOk = (ctx: FormCtx, form: FormName, token: string | undefined) =>
  checkCsrf({ cookies: ctx.cookies, headers: ctx.headers, token }, form, ctx.deps.config.issuer);

export async function emailOf(deps: Deps, userId: number): Promise<string> {
  return (await deps.repos.users.findById(userId))?.email ?? '';
}
