import type { Handlers } from '../http/handler';
import { accountOverview } from '../services/accountOverview';
import { browserSessionOf, type BrowserSession } from '../services/oauth/authorize';
import { endUserSessions } from '../services/sessions';
import { accountPage } from '../pages/account';
import { issueCsrfForms } from '../pages/csrf';
import { homePage } from '../pages/home';
import type { Lang } from '../pages/i18n';
import { chosenLang, csrfOk, emailOf, error, langOf, notice, page, redirect, type FormCtx, type Notice } from './pageResults';

// The landing page and the account page of a signed-in browser (sessions form included).

const ENDED: Record<'session' | 'others', Notice> = {
  session: { kind: 'success', key: 'account.ended.session' },
  others: { kind: 'success', key: 'account.ended.others' },
};

const REFUSED = {
  missing: 'account.refused.missing',
  current: 'account.refused.current',
  unknown: 'account.refused.unknown',
} as const;

const withLang = (path: string, carryLang: Lang | undefined) => (carryLang ? `${path}${path.includes('?') ? '&' : '?'}lang=${carryLang}` : path);

async function renderAccount(ctx: FormCtx, status: number, session: BrowserSession, carryLang: Lang | undefined, bannerOf?: Notice): Promise<never> {
  const account = await accountOverview(ctx.deps, session.userId, session.sessionId);
  // Users are never deleted while they have sessions (ON DELETE CASCADE); treated as signed out all the same.
  if (!account) return redirect(status === 200 ? 302 : 303, withLang('/login', carryLang));
  const csrf = issueCsrfForms(ctx.cookies, ['logout', 'account-sessions'] as const);
  const lang = langOf(ctx, undefined, carryLang);
  const html = accountPage({ lang, carryLang, account, csrf: { logout: csrf.tokens.logout, sessions: csrf.tokens['account-sessions'] }, banner: notice(lang, bannerOf) });
  return page(status, html, { cookies: csrf.cookie ? [csrf.cookie] : [] });
}

export const accountPageHandlers = {
  getHomePage: async (ctx) => {
    const session = await browserSessionOf(ctx.deps, ctx.principal);
    const carryLang = chosenLang(ctx.query.lang);
    return page(200, homePage({ lang: langOf(ctx, undefined, carryLang), carryLang, signedInAs: session ? await emailOf(ctx.deps, session.userId) : undefined }));
  },

  getAccountPage: async (ctx) => {
    const carryLang = chosenLang(ctx.query.lang);
    const session = await browserSessionOf(ctx.deps, ctx.principal);
    if (!session) return redirect(302, withLang('/login', carryLang));
    return renderAccount(ctx, 200, session, carryLang, ctx.query.ended ? ENDED[ctx.query.ended] : undefined);
  },

  postAccountSessions: async (ctx) => {
    const { deps, body } = ctx;
    const carryLang = chosenLang(body.lang);
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, withLang('/login', carryLang));
    if (!csrfOk(ctx, 'account-sessions', body.csrf_token)) return renderAccount(ctx, 403, session, carryLang, error('common.formExpired'));
    const outcome = await endUserSessions(deps, session.userId, session.sessionId, body.end);
    // Post/redirect/get: reloading the page ends nothing.
    if (outcome.ok) return redirect(303, withLang(`/account?ended=${outcome.ended}`, carryLang));
    return renderAccount(ctx, 400, session, carryLang, error(REFUSED[outcome.reason]));
  },
} satisfies Partial<Handlers>;
