import type { Deps } from '../deps';
import type { CookieSpec, Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import type { Principal } from '../http/principal';
import { SESSION_COOKIE } from '../http/security';
import { authenticatePassword, completeLogin, completeRegistration, registerWithPassword } from '../services/accounts';
import { completeChallenge } from '../services/mfa';
import { createSession, revokeSession } from '../services/sessions';
import {
  browserSessionOf,
  extraOf,
  finishWithError,
  loadPending,
  proceed,
  type AuthorizeOutcome,
  type BrowserSession,
} from '../services/oauth/authorize';
import { describeScopes, rememberConsent } from '../services/oauth/consent';
import { decideDevice, findPendingDevice } from '../services/oauth/device';
import { performLogout, planLogout, type LogoutQuery } from '../services/oauth/logout';
import { consentPage } from '../pages/consent';
import { checkCsrf, issueCsrf, type Csrf, type FormName } from '../pages/csrf';
import { deviceConfirmPage, deviceDonePage, deviceEntryPage } from '../pages/device';
import { errorPage } from '../pages/error';
import { PAGE_HEADERS, type Banner } from '../pages/layout';
import { loginPage, mfaPage, type Continuation } from '../pages/login';
import { logoutConfirmPage, signedOutPage } from '../pages/logout';
import { registerPage } from '../pages/register';

// ---- response helpers (an HTML result is typed per status by the generated types; one cast here) ----

function page(status: number, html: string, opts: { csrf?: Csrf; cookies?: CookieSpec[]; headers?: Record<string, string> } = {}): never {
  const cookies = [...(opts.csrf?.cookie ? [opts.csrf.cookie] : []), ...(opts.cookies ?? [])];
  return { status, html, headers: { ...PAGE_HEADERS, ...opts.headers }, ...(cookies.length ? { cookies } : {}) } as never;
}

function redirect(status: 302 | 303, location: string, cookies?: CookieSpec[]): never {
  return { status, redirect: location, headers: PAGE_HEADERS, ...(cookies?.length ? { cookies } : {}) } as never;
}

function outcomeResult(outcome: AuthorizeOutcome, status: 302 | 303, cookies?: CookieSpec[]): never {
  return outcome.kind === 'redirect' ? redirect(status, outcome.location, cookies) : page(400, errorPage(outcome.title, outcome.message), { cookies });
}

const sessionCookie = (deps: Deps, token: string): CookieSpec => ({ name: SESSION_COOKIE, value: token, maxAge: deps.config.browserSessionAbsoluteSeconds });
const clearedSessionCookie: CookieSpec = { name: SESSION_COOKIE, value: '', maxAge: 0 };
const error = (text: string): Banner => ({ kind: 'error', text });
const retryAfter = (err: HttpError) => err.extra.headers ?? {};

/** Only local device-verification pages are valid return targets (no open redirect). */
function safeReturnTo(value: string | undefined): string | undefined {
  return value && /^\/oauth\/device(\?[^\\]*)?$/.test(value) && value.length <= 2000 ? value : undefined;
}

interface FormCtx {
  deps: Deps;
  cookies: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
}

const csrfOk = (ctx: FormCtx, form: FormName, token: string | undefined) =>
  checkCsrf({ cookies: ctx.cookies, headers: ctx.headers, token }, form, ctx.deps.config.issuer);

async function emailOf(deps: Deps, userId: number): Promise<string> {
  return (await deps.repos.users.findById(userId))?.email ?? '';
}

/** After a sign-in or registration: the pending authorization request, the device page, or the sign-in page. */
async function continueSignedIn(deps: Deps, session: BrowserSession, c: Continuation, cookies: CookieSpec[]): Promise<never> {
  if (c.req) {
    const pending = await loadPending(deps, c.req);
    if (!pending) {
      return page(400, errorPage('Sign-in request expired', 'You are signed in, but the request from the application has expired.'), { cookies });
    }
    return outcomeResult(await proceed(deps, pending, session), 303, cookies);
  }
  return redirect(303, safeReturnTo(c.returnTo) ?? '/login', cookies);
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
      const html = registerPage({ csrf: csrf.token, ...c, email: body.email, fullName: body.full_name, clientName: pending?.client.name, banner: error(text) });
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

  // ---- consent ----

  getConsentPage: async (ctx) => {
    const { deps } = ctx;
    const pending = await loadPending(deps, ctx.query.req);
    if (!pending) return page(400, errorPage('Request expired', 'This request from the application has expired or was already answered.'));
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(302, `/login?req=${encodeURIComponent(pending.handle)}`);
    const csrf = issueCsrf(ctx.cookies, 'consent');
    const html = consentPage({
      csrf: csrf.token,
      req: pending.handle,
      clientName: pending.client.name,
      userEmail: await emailOf(deps, session.userId),
      scopes: describeScopes(pending.row.scope.split(' ').filter(Boolean)),
      lang: extraOf(pending).lang,
    });
    return page(200, html, { csrf });
  },

  postConsentPage: async (ctx) => {
    const { deps, body } = ctx;
    if (!csrfOk(ctx, 'consent', body.csrf_token)) return page(403, errorPage('Form expired', 'This form expired. Go back, reload the page and try again.'));
    const pending = await loadPending(deps, body.req);
    if (!pending) return page(400, errorPage('Request expired', 'This request from the application has expired or was already answered.'));
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?req=${encodeURIComponent(pending.handle)}`);
    if (body.decision !== 'approve') {
      return outcomeResult(await finishWithError(deps, pending, 'access_denied', 'the user denied the request'), 303);
    }
    await rememberConsent(deps, pending.client, session.userId, pending.row.scope.split(' ').filter(Boolean));
    return outcomeResult(await proceed(deps, pending, session, true), 303);
  },

  // ---- device verification (RFC 8628 §3.3) ----

  getDevicePage: async (ctx) => {
    const { deps, query, ip } = ctx;
    const session = await browserSessionOf(deps, ctx.principal);
    const here = `/oauth/device${query.user_code ? `?user_code=${encodeURIComponent(query.user_code)}` : ''}`;
    if (!session) return redirect(302, `/login?return_to=${encodeURIComponent(here)}`);
    const csrf = issueCsrf(ctx.cookies, 'device');
    if (!query.user_code) return page(200, deviceEntryPage({ csrf: csrf.token }), { csrf });
    let device;
    try {
      device = await findPendingDevice(deps, query.user_code, session.userId, ip);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 429) throw err;
      return page(429, deviceEntryPage({ csrf: csrf.token, banner: error('Too many codes tried. Wait a few minutes and try again.') }), { csrf, headers: retryAfter(err) });
    }
    if (!device) {
      return page(400, deviceEntryPage({ csrf: csrf.token, userCode: query.user_code, banner: error('That code is not valid, has expired or was already used.') }), { csrf });
    }
    const html = deviceConfirmPage({
      csrf: csrf.token,
      userCode: device.userCode,
      clientName: device.client.name,
      userEmail: await emailOf(deps, session.userId),
      scopes: describeScopes(device.row.scope.split(' ').filter(Boolean)),
    });
    return page(200, html, { csrf });
  },

  postDevicePage: async (ctx) => {
    const { deps, body, ip } = ctx;
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?return_to=${encodeURIComponent('/oauth/device')}`);
    const csrf = issueCsrf(ctx.cookies, 'device');
    const entry = (status: number, text: string, headers?: Record<string, string>) =>
      page(status, deviceEntryPage({ csrf: csrf.token, userCode: body.user_code, banner: error(text) }), { csrf, headers });
    if (!csrfOk(ctx, 'device', body.csrf_token)) return entry(403, 'This form expired. Please try again.');
    if (!body.user_code) return entry(400, 'Enter the code shown on your device.');
    if (body.action !== 'approve' && body.action !== 'deny') return redirect(303, `/oauth/device?user_code=${encodeURIComponent(body.user_code.trim())}`);
    let device;
    try {
      device = await findPendingDevice(deps, body.user_code, session.userId, ip);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 429) throw err;
      return entry(429, 'Too many codes tried. Wait a few minutes and try again.', retryAfter(err));
    }
    const approve = body.action === 'approve';
    if (!device || !(await decideDevice(deps, device, { approve, userId: session.userId, authTime: session.authTime, amr: session.amr }))) {
      return entry(400, 'That code is not valid, has expired or was already used.');
    }
    return page(200, deviceDonePage(approve, device.client.name));
  },

  // ---- logout ----

  logout: async (ctx) => {
    const { deps, query } = ctx;
    const session = await browserSessionOf(deps, ctx.principal);
    const plan = await planLogout(deps, query, session);
    if (plan.kind === 'invalid') return page(400, errorPage('Cannot sign out here', plan.message));
    if (plan.kind === 'now') {
      await performLogout(deps, session, plan.clientId);
      const cookies = session ? [clearedSessionCookie] : [];
      return plan.target ? redirect(302, plan.target, cookies) : page(200, signedOutPage(), { cookies });
    }
    const csrf = issueCsrf(ctx.cookies, 'logout');
    const fields: LogoutQuery = { redirect: query.redirect, client_id: query.client_id, id_token_hint: query.id_token_hint, post_logout_redirect_uri: query.post_logout_redirect_uri, state: query.state };
    const html = logoutConfirmPage({ csrf: csrf.token, userEmail: session ? await emailOf(deps, session.userId) : undefined, clientName: plan.clientName, fields: { ...fields } });
    return page(200, html, { csrf });
  },

  confirmLogout: async (ctx) => {
    const { deps, body } = ctx;
    if (!csrfOk(ctx, 'logout', body.csrf_token)) return page(403, errorPage('Form expired', 'This form expired. Go back, reload the page and try again.'));
    const session = await browserSessionOf(deps, ctx.principal);
    const plan = await planLogout(deps, body, session);
    if (plan.kind === 'invalid') return page(400, errorPage('Cannot sign out here', plan.message));
    await performLogout(deps, session, plan.clientId);
    return redirect(303, plan.target ?? '/login?signed_out=true', session ? [clearedSessionCookie] : []);
  },
} satisfies Partial<Handlers>;
