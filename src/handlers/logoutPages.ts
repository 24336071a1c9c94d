import type { Handlers } from '../http/handler';
import { browserSessionOf } from '../services/oauth/authorize';
import { performLogout, planLogout, type LogoutQuery } from '../services/oauth/logout';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { logoutConfirmPage, signedOutPage } from '../pages/logout';
import { clearedSessionCookie, csrfOk, emailOf, langOf, page, redirect } from './pageResults';

/** GET /logout (seed 002's `?redirect=` and OIDC RP-initiated logout) and its confirmation form. */
export const logoutPageHandlers = {
  logout: async (ctx) => {
    const { deps, query } = ctx;
    const session = await browserSessionOf(deps, ctx.principal);
    const lang = langOf(ctx, undefined);
    const plan = await planLogout(deps, query, session);
    if (plan.kind === 'invalid') return page(400, errorPage(lang, plan.reason));
    if (plan.kind === 'now') {
      await performLogout(deps, session, plan.clientId);
      const cookies = session ? [clearedSessionCookie] : [];
      return plan.target ? redirect(302, plan.target, cookies) : page(200, signedOutPage(lang), { cookies });
    }
    const csrf = issueCsrf(ctx.cookies, 'logout');
    const fields: LogoutQuery = { redirect: query.redirect, client_id: query.client_id, id_token_hint: query.id_token_hint, post_logout_redirect_uri: query.post_logout_redirect_uri, state: query.state };
    const html = logoutConfirmPage({ lang, csrf: csrf.token, userEmail: session ? await emailOf(deps, session.userId) : undefined, clientName: plan.clientName, fields: { ...fields } });
    return page(200, html, { csrf });
  },

  confirmLogout: async (ctx) => {
    const { deps, body } = ctx;
    if (!csrfOk(ctx, 'logout', body.csrf_token)) return page(403, errorPage(langOf(ctx, undefined), 'formExpired'));
    const session = await browserSessionOf(deps, ctx.principal);
    const plan = await planLogout(deps, body, session);
    if (plan.kind === 'invalid') return page(400, errorPage(langOf(ctx, undefined), plan.reason));
    await performLogout(deps, session, plan.clientId);
    return redirect(303, plan.target ?? '/login?signed_out=true', session ? [clearedSessionCookie] : []);
  },
} satisfies Partial<Handlers>;
