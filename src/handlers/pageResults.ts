import type { Deps } from '../deps';
import type { CookieSpec } from '../http/handler';
import type { HttpError } from '../http/errors';
import { SESSION_COOKIE } from '../http/security/sessions';
import type { AuthorizeOutcome } from '../services/oauth/authorize';
import { checkCsrf, type Csrf, type FormName } from '../pages/csrf';
import { errorPage } from '../pages/error';
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
export function outcomeResult(outcome: AuthorizeOutcome, status: 302 | 303, cookies?: CookieSpec[]): never {
  return outcome.kind === 'redirect' ? redirect(status, outcome.location, cookies) : page(400, errorPage(outcome.title, outcome.message), { cookies });
}

export const sessionCookie = (deps: Deps, token: string): CookieSpec => ({ name: SESSION_COOKIE, value: token, maxAge: deps.config.browserSessionAbsoluteSeconds });
export const clearedSessionCookie: CookieSpec = { name: SESSION_COOKIE, value: '', maxAge: 0 };
export const error = (text: string): Banner => ({ kind: 'error', text });
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
