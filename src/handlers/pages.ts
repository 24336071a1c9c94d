import type { Deps } from '../deps';
import type { CookieSpec, Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import type { Principal } from '../http/principal';
import { authenticatePassword, completeLogin, completeRegistration, registerWithPassword } from '../services/accounts';
import { completeChallenge } from '../services/mfa';
import { createSession, revokeSession } from '../services/sessions';
import { browserSessionOf, extraOf, loadPending, proceed, type BrowserSession } from '../services/oauth/authorize';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import type { Banner } from '../pages/layout';
import { loginPage, mfaPage, type Continuation } from '../pages/login';
import { registerPage } from '../pages/register';
import { csrfOk, emailOf, error, outcomeResult, page, redirect, retryAfter, sessionCookie, type FormCtx } from './pageResults';

// Sign-in (with MFA) and account creation. Consent, device and logout pages: consentPages.ts,
// devicePages.ts, logoutPages.ts; shared results: pageResults.ts.

/** Only local device-verification pages are valid return targets (no open redirect). */
function safeReturnTo(value: string | undefined): string | undefined {
  return value && /^\/oauth\/device(\?[^\\]*)?$/.test(value) && value.length <= 2000 ? value : undefined;
}

/** After a sign-in or registration: the pending authorization request, the device page, or the account page. */
async function continueSignedIn(deps: Deps, session: BrowserSession, c: Continuation, cookies: CookieSpec[]): Promise<never> {
  if (c.req) {
    const pending = await loadPending(deps, c.req);
    if (!pending) {
      return page(400, errorPage('Sign-in request expired', 'You are signed in, but the request from the application has expired.'), { cookies });
    }
    return outcomeResult(await proceed(deps, pending, session), 303, cookies);
  }
  return redirect(303, safeReturnTo(c.returnTo) ?? '/account', cookies);
}

/** A new browser session replaces the one the browser had (account switch, fixation). */
async function startBrowserSession(deps: Deps, principal: Principal | null, issued: { token: string; session: { id: string; user_id: number; auth_time: number } }, amr: string[]) {
  const previous = await browserSessionOf(deps, principal);
  if (previous) await revokeSession(deps, previous.sessionId);
  const session: BrowserSession = { userId: issued.session.user_id, sessionId: issued.session.id, authTime: issued.session.auth_time, amr };
  return { session, cookie: sessionCookie(deps, issued.token) };
}

// ---- sign-in ----

const VERIFY_BANNERS: Record<string, Banner> = {
  'invalid-token': error('That verification link is not valid. Sign in to request a new one.'),
  'expired-token': error('That verification link has expired. Sign in to request a new one.'),
  'invalid-link': error('That verification link is incomplete. Open the link from the email again.'),
};

async function renderLogin(ctx: FormCtx & { principal: Principal | null }, status: number, c: Continuation & { email?: string; banner?: Banner }, headers?: Record<string, string>): Promise<never> {
  const { deps } = ctx;
  const csrf = issueCsrf(ctx.cookies, 'login');
  const pending = await loadPending(deps, c.req);
  const session = await browserSessionOf(deps, ctx.principal);
  const expired = c.req && !pending ? error('Your sign-in request has expired. Return to the application and start again.') : undefined;
  const html = loginPage({
    csrf: csrf.token,
    req: pending?.handle,
    returnTo: safeReturnTo(c.returnTo),
    email: c.email ?? pending?.row.login_hint ?? undefined,
    clientName: pending?.client.name,
    signedInAs: session ? await emailOf(deps, session.userId) : undefined,
    banner: c.banner ?? expired,
    lang: pending ? extraOf(pending).lang : undefined,
  });
  return page(status, html, { csrf, headers });
}

function passwordError(err: unknown): { status: number; banner: Banner; headers?: Record<string, string> } {
  if (!(err instanceof HttpError)) throw err;
  if (err.status === 401) return { status: 401, banner: error('Email or password is incorrect.') };
  if (err.status === 429) return { status: 429, banner: error('Too many attempts. Wait a few minutes and try again.'), headers: retryAfter(err) };
  if (err.status === 403) return { status: 403, banner: error('This account cannot sign in with a password here.') };
  throw err;
}

// ---- pages ----

export const pageHandlers = {
  getLoginPage: async (ctx) => {
    const q = ctx.query;
    const banner: Banner | undefined =
      q.verified === 'true'
        ? { kind: 'success', text: 'Your email is verified. You can sign in now.' }
        : q.error
          ? VERIFY_BANNERS[q.error]
          : q.signed_out === 'true'
            ? { kind: 'info', text: 'You are signed out.' }
            : undefined;
    return renderLogin(ctx, 200, { req: q.req, returnTo: q.return_to, banner });
  },

  postLoginPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c: Continuation = { req: body.req, returnTo: body.return_to };
    if (!csrfOk(ctx, 'login', body.csrf_token)) return renderLogin(ctx, 403, { ...c, email: body.email, banner: error('This form expired. Please try again.') });
    if (!body.email || !body.password) return renderLogin(ctx, 400, { ...c, email: body.email, banner: error('Enter your email and password.') });
    let user;
    try {
      user = await authenticatePassword(deps, { email: body.email, password: body.password, ip });
    } catch (err) {
      const e = passwordError(err);
      return renderLogin(ctx, e.status, { ...c, email: body.email, banner: e.banner }, e.headers);
    }
    const outcome = await completeLogin(deps, user, 'browser', { ip, userAgent });
    if (!outcome.authenticated) {
      const csrf = issueCsrf(ctx.cookies, 'login-mfa');
      return page(200, mfaPage({ csrf: csrf.token, mfaToken: outcome.mfa_token, ...c }), { csrf });
    }
    const { session, cookie } = await startBrowserSession(deps, principal, outcome, ['pwd']);
    return continueSignedIn(deps, session, c, [cookie]);
  },

  postLoginMfaPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c: Continuation = { req: body.req, returnTo: body.return_to };
    const again = (status: number, text: string, headers?: Record<string, string>) => {
      const csrf = issueCsrf(ctx.cookies, 'login-mfa');
      return page(status, mfaPage({ csrf: csrf.token, mfaToken: body.mfa_token ?? '', ...c, banner: error(text) }), { csrf, headers });
    };
    if (!body.mfa_token) return renderLogin(ctx, 400, { ...c, banner: error('Sign in again.') });
    if (!csrfOk(ctx, 'login-mfa', body.csrf_token)) return again(403, 'This form expired. Please try again.');
    if (!body.code) return again(400, 'Enter the verification code.');
    let done;
    try {
      done = await completeChallenge(deps, body.mfa_token, body.code.trim(), 'browser');
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 401) return renderLogin(ctx, 401, { ...c, banner: error('Your sign-in expired. Sign in again.') });
      if (err.status === 429) return again(429, 'Too many attempts. Wait a minute and try again.', retryAfter(err));
      if (err.status === 400) return again(400, 'That code is not correct.');
      throw err;
    }
    const issued = await createSession(deps, done.userId, 'browser', { ip, userAgent, amr: done.amr });
    const { session, cookie } = await startBrowserSession(deps, principal, issued, done.amr);
    return continueSignedIn(deps, session, c, [cookie]);
  },

  getRegisterPage: async (ctx) => {
    const csrf = issueCsrf(ctx.cookies, 'register');
    const pending = await loadPending(ctx.deps, ctx.query.req);
    const html = registerPage({
      csrf: csrf.token,
      req: pending?.handle,
      returnTo: safeReturnTo(ctx.query.return_to),
      clientName: pending?.client.name,
      email: pending?.row.login_hint ?? undefined,
      lang: pending ? extraOf(pending).lang : undefined,
    });
    return page(200, html, { csrf });
  },

  postRegisterPage: async (ctx) => {
    const { deps, body, ip, userAgent, principal } = ctx;
    const c: Continuation = { req: body.req, returnTo: safeReturnTo(body.return_to) };
    const again = async (status: number, text: string, headers?: Record<string, string>) => {
      const csrf = issueCsrf(ctx.cookies, 'register');
      const pending = await loadPending(deps, c.req);
      const html = registerPage({
        csrf: csrf.token,
        ...c,
        email: body.email,
        fullName: body.full_name,
        clientName: pending?.client.name,
        banner: error(text),
        lang: pending ? extraOf(pending).lang : undefined,
      });
      return page(status, html, { csrf, headers });
    };
    if (!csrfOk(ctx, 'register', body.csrf_token)) return again(403, 'This form expired. Please try again.');
    const email = body.email?.trim() ?? '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return again(400, 'Enter a valid email address.');
    if (!body.password || body.password.length < 8) return again(400, 'Choose a password of at least 8 characters.');
    let user;
    try {
      user = await registerWithPassword(deps, { email, password: body.password, fullName: body.full_name, ip });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // The same words whether or not the email is taken would need an email round trip; this at least names no account.
      if (err.status === 409) return again(400, 'An account cannot be created with these details. If you already have one, sign in instead.');
      if (err.status === 429) return again(429, 'Too many accounts were created from here. Try again later.', retryAfter(err));
      if (err.status === 400) return again(400, 'Check your details and try again.');
      throw err;
    }
    const signedIn = await completeRegistration(deps, user, 'browser', { ip, userAgent });
    const { session, cookie } = await startBrowserSession(deps, principal, signedIn, ['pwd']);
    return continueSignedIn(deps, session, c, [cookie]);
  },
} satisfies Partial<Handlers>;
