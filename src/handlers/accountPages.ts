import type { Handlers } from '../http/handler';
import { accountOverview } from '../services/accountOverview';
import { browserSessionOf, type BrowserSession } from '../services/oauth/authorize';
import { endUserSessions } from '../services/sessions';
import { accountPage } from '../pages/account';
import { issueCsrfForms } from '../pages/csrf';
import { homePage } from '../pages/home';
import type { Banner } from '../pages/layout';
import { csrfOk, emailOf, error, page, redirect, type FormCtx } from './pageResults';

// The landing page and the account page of a signed-in browser (sessions form included).

const ENDED: Record<'session' | 'others', Banner> = {
  session: { kind: 'success', text: 'The session was ended.' },
  others: { kind: 'success', text: 'All other sessions were ended.' },
};

const REFUSED: Record<'missing' | 'current' | 'unknown', string> = {
  missing: 'Choose a session to end.',
  current: 'This is the session you are using. Sign out to end it.',
  unknown: 'That session has already ended.',
};

async function renderAccount(ctx: FormCtx, status: number, session: BrowserSession, bannerOf?: Banner): Promise<never> {
  const account = await accountOverview(ctx.deps, session.userId, session.sessionId);
  // Users are never deleted while they have sessions (ON DELETE CASCADE); treated as signed out all the same.
  if (!account) return redirect(status === 200 ? 302 : 303, '/login');
  const csrf = issueCsrfForms(ctx.cookies, ['logout', 'account-sessions'] as const);
  const html = accountPage({ account, csrf: { logout: csrf.tokens.logout, sessions: csrf.tokens['account-sessions'] }, banner: bannerOf });
  return page(status, html, { cookies: csrf.cookie ? [csrf.cookie] : [] });
}

export const accountPageHandlers = {
  getHomePage: async (ctx) => {
    const session = await browserSessionOf(ctx.deps, ctx.principal);
    return page(200, homePage({ signedInAs: session ? await emailOf(ctx.deps, session.userId) : undefined }));
  },

  getAccountPage: async (ctx) => {
    const session = await browserSessionOf(ctx.deps, ctx.principal);
    if (!session) return redirect(302, '/login');
    return renderAccount(ctx, 200, session, ctx.query.ended ? ENDED[ctx.query.ended] : undefined);
  },

  postAccountSessions: async (ctx) => {
    const { deps, body } = ctx;
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, '/login');
    if (!csrfOk(ctx, 'account-sessions', body.csrf_token)) return renderAccount(ctx, 403, session, error('This form expired. Please try again.'));
    const outcome = await endUserSessions(deps, session.userId, session.sessionId, body.end);
    // Post/redirect/get: reloading the page ends nothing.
    if (outcome.ok) return redirect(303, `/account?ended=${outcome.ended}`);
    return renderAccount(ctx, 400, session, error(REFUSED[outcome.reason]));
  },
} satisfies Partial<Handlers>;
