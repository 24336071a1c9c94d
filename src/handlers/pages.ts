import type { Deps } from '../deps';
import type { CookieSpec, Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import type { Principal } from '../http/principal';
import { authenticatePassword, completeLogin, completeRegistration, registerWithPassword } from '../services/accounts';
import { completeChallenge } from '../services/mfa';
import { createSession, revokeSession } from '../services/sessions';
import { browserSessionOf, loadPending, proceed, type BrowserSession } from '../services/oauth/authorize';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { continuationQuery, loginPage, mfaPage, type Continuation } from '../pages/login';
import { registerPage } from '../pages/register';
import { chosenLang, csrfOk, emailOf, error, langOf, notice, outcomeResult, page, redirect, retryAfter, sessionCookie, type FormCtx, type Notice } from './pageResults';

// Sign-in (with MFA) and account creation. Consent, device and logout pages: consentPages.ts,
// devicePages.ts, logoutPages.ts; shared results: pageResults.ts.

/** Only local device-verification pages are valid return targets (no open redirect). */
function safeReturnTo(value: string | undefined): string | undefined {
  return value && /^\/oauth\/device(\?[^\\]*)?$/.test(value) && value.length <= 2000 ? value : undefined;
}

/** After a sign-in or registration: the pending authorization request, the device page, or the account page. */
async function continueSignedIn(ctx: FormCtx, session: BrowserSession, c: Continuation, cookies: CookieSpec[]): Promise<never> {
  const { deps } = ctx;
  if (c.req) {
    const pending = await loadPending(deps, c.req);
    if (!pending) return page(400, errorPage(langOf(ctx, undefined, c.lang), 'signInExpired'), { cookies });
    return outcomeResult(await proceed(deps, pending, session), 303, langOf(ctx, pending), cookies);
  }
  return redirect(303, safeReturnTo(c.returnTo) ?? `/account${continuationQuery({ lang: c.lang })}`, cookies);
}

/** A new browser session replaces the one the browser had (account switch, fixation). */
async function startBrowserSession(deps: Deps, principal: Principal | null, issued: { token: string; session: { id: string; user_id: number; auth_time: number } }, amr: string[]) {
  const previous = await browserSessionOf(deps, principal);
  if (previous) await revokeSession(deps, previous.sessionId);
  const session: BrowserSession = { userId: issued.session.user_id, sessionId: issued.session.id, authTime: issued.session.auth_time, amr };
  return { session, cookie: sessionCookie(deps, issued.token) };
}

// ---- sign-in ----

const VERIFY_BANNERS: Record<string, Notice> = {
  'invalid-token': error('login.verify.invalidToken'),
  'expired-token': error('login.verify.expiredToken'),
  'invalid-link': error('login.verify.invalidLink'),
};

async function renderLogin(ctx: FormCtx & { principal: Principal | null }, status: number, c: Continuation & { email?: string; banner?: Notice }, headers?: Record<string, string>): Promise<never> {
  const { deps } = ctx;
  const csrf = issueCsrf(ctx.cookies, 'login');
  const pending = await loadPending(deps, c.req);
  const session = await browserSessionOf(deps, ctx.principal);
  const expired = c.req && !pending ? error('login.requestExpired') : undefined;
  const pageLang = langOf(ctx, pending, c.lang);
  const html = loginPage({
    pageLang,
    csrf: csrf.token,
    req: pending?.handle,
    returnTo: safeReturnTo(c.returnTo),
    lang: c.lang,
    email: c.email ?? pending?.row.login_hint ?? undefined,
    clientName: pending?.client.name,
    signedInAs: session ? await emailOf(deps, session.userId) : undefined,
    banner: notice(pageLang, c.banner ?? expired),
  });
  return page(status, html, { csrf, headers });
}

function passwordError(err: unknown): { status: number; banner: Notice; headers?: Record<string, string> } {
  if (!(err instanceof HttpError)) throw err;
  if (err.status === 401) return { status: 401, banner: error('login.incorrect') };
  if (err.status === 429) return { status: 429, banner: error('login.tooMany'), headers: retryAfter(err) };
  if (err.status === 403) return { status: 403, banner: error('login.noPassword') };
  throw err;
}

/** The MFA step's form, in the language of the sign-in it continues. */
async function renderMfa(ctx: FormCtx, status: number, c: Continuation, mfaToken: string, banner?: Notice, headers?: Record<string, string>): Promise<never> {
  const csrf = issueCsrf(ctx.cookies, 'login-mfa');
  const pageLang = langOf(ctx, await loadPending(ctx.deps, c.req), c.lang);
  return page(status, mfaPage({ pageLang, csrf: csrf.token, mfaToken, ...c, banner: notice(pageLang, banner) }), { csrf, headers });
}

async function renderRegister(ctx: FormCtx, status: number, c: Continuation & { email?: string; fullName?: string; banner?: Notice }, headers?: Record<string, string>): Promise<never> {
  const csrf = issueCsrf(ctx.cookies, 'register');
  const pending = await loadPending(ctx.deps, c.req);
  const pageLang = langOf(ctx, pending, c.lang);
  const html = registerPage({
    pageLang,
    csrf: csrf.token,
    req: pending?.handle,
    returnTo: safeReturnTo(c.returnTo),
    lang: c.lang,
    email: c.email ?? pending?.row.login_hint ?? undefined,
    fullName: c.fullName,
    clientName: pending?.client.name,
    banner: notice(pageLang, c.banner),
  });
  return page(status, html, { csrf, headers });
}

const continuationOf = (v: { req?: string; return_to?: string; lang?: string }): Continuation => ({ req: v.req, returnTo: v.return_to, lang: chosenLang(v.lang) });

// ---- pages ----

export const pageHandlers = {
  getLoginPage: async (ctx) => {
    const q = ctx.query;
    const banner: Notice | undefined =
      q.verified === 'true'
        ? { kind: 'success', key: 'login.verified' }
        : q.error
          ? VERIFY_BANNERS[q.error]
          : q.signed_out === 'true'
            ? { kind: 'info', key: 'login.signedOut' }
            : undefined;
    return renderLogin(ctx, 200, { ...continuationOf(q), banner });
  },

  postLoginPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c = continuationOf(body);
    if (!csrfOk(ctx, 'login', body.csrf_token)) return renderLogin(ctx, 403, { ...c, email: body.email, banner: error('common.formExpired') });
    if (!body.email || !body.password) return renderLogin(ctx, 400, { ...c, email: body.email, banner: error('login.missing') });
    let user;
    try {
      user = await authenticatePassword(deps, { email: body.email, password: body.password, ip });
    } catch (err) {
      const e = passwordError(err);
      return renderLogin(ctx, e.status, { ...c, email: body.email, banner: e.banner }, e.headers);
    }
    const outcome = await completeLogin(deps, user, 'browser', { ip, userAgent });
    if (!outcome.authenticated) return renderMfa(ctx, 200, c, outcome.mfa_token);
    const { session, cookie } = await startBrowserSession(deps, principal, outcome, ['pwd']);
    return continueSignedIn(ctx, session, c, [cookie]);
  },

  postLoginMfaPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c = continuationOf(body);
    const again = (status: number, key: Notice['key'], headers?: Record<string, string>) => renderMfa(ctx, status, c, body.mfa_token ?? '', error(key), headers);
    if (!body.mfa_token) return renderLogin(ctx, 400, { ...c, banner: error('mfa.signInAgain') });
    if (!csrfOk(ctx, 'login-mfa', body.csrf_token)) return again(403, 'common.formExpired');
    if (!body.code) return again(400, 'mfa.enterCode');
    let done;
    try {
      done = await completeChallenge(deps, body.mfa_token, body.code.trim(), 'browser');
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 401) return renderLogin(ctx, 401, { ...c, banner: error('mfa.expired') });
      if (err.status === 429) return again(429, 'mfa.tooMany', retryAfter(err));
      if (err.status === 400) return again(400, 'mfa.wrongCode');
      throw err;
    }
    const issued = await createSession(deps, done.userId, 'browser', { ip, userAgent, amr: done.amr });
    const { session, cookie } = await startBrowserSession(deps, principal, issued, done.amr);
    return continueSignedIn(ctx, session, c, [cookie]);
  },

  getRegisterPage: async (ctx) => renderRegister(ctx, 200, continuationOf(ctx.query)),

  postRegisterPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c = { ...continuationOf(body), returnTo: safeReturnTo(body.return_to) };
    const again = (status: number, key: Notice['key'], headers?: Record<string, string>) =>
      renderRegister(ctx, status, { ...c, email: body.email, fullName: body.full_name, banner: error(key) }, headers);
    if (!csrfOk(ctx, 'register', body.csrf_token)) return again(403, 'common.formExpired');
    const email = body.email?.trim() ?? '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return again(400, 'register.invalidEmail');
    if (!body.password || body.password.length < 8) return again(400, 'register.shortPassword');
    let user;
    try {
      user = await registerWithPassword(deps, { email, password: body.password, fullName: body.full_name, ip });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // The same words whether or not the email is taken would need an email round trip; this at least names no account.
      if (err.status === 409) return again(400, 'register.refused');
      if (err.status === 429) return again(429, 'register.tooMany', retryAfter(err));
      if (err.status === 400) return again(400, 'register.checkDetails');
      throw err;
    }
    const signedIn = await completeRegistration(deps, user, 'browser', { ip, userAgent });
    const { session, cookie } = await startBrowserSession(deps, principal, signedIn, ['pwd']);
    return continueSignedIn(ctx, session, c, [cookie]);
  },
} satisfies Partial<Handlers>;
