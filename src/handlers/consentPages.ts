import type { Handlers } from '../http/handler';
import { browserSessionOf, finishWithError, loadPending, proceed } from '../services/oauth/authorize';
import { rememberConsent } from '../services/oauth/consent';
import { consentPage } from '../pages/consent';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { csrfOk, emailOf, langOf, outcomeResult, page, redirect, type FormCtx } from './pageResults';

const expired = (ctx: FormCtx) => page(400, errorPage(langOf(ctx, undefined), 'requestExpired'));

/** The consent page for third-party clients (first-party clients never get here). */
export const consentPageHandlers = {
  getConsentPage: async (ctx) => {
    const { deps } = ctx;
    const pending = await loadPending(deps, ctx.query.req);
    if (!pending) return expired(ctx);
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(302, `/login?req=${encodeURIComponent(pending.handle)}`);
    const csrf = issueCsrf(ctx.cookies, 'consent');
    const html = consentPage({
      lang: langOf(ctx, pending),
      csrf: csrf.token,
      req: pending.handle,
      clientName: pending.client.name,
      userEmail: await emailOf(deps, session.userId),
      scopes: pending.row.scope.split(' ').filter(Boolean),
    });
    return page(200, html, { csrf });
  },

  postConsentPage: async (ctx) => {
    const { deps, body } = ctx;
    const pending = await loadPending(deps, body.req);
    if (!csrfOk(ctx, 'consent', body.csrf_token)) return page(403, errorPage(langOf(ctx, pending), 'formExpired'));
    if (!pending) return expired(ctx);
    const lang = langOf(ctx, pending);
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?req=${encodeURIComponent(pending.handle)}`);
    if (body.decision !== 'approve') {
      return outcomeResult(await finishWithError(deps, pending, 'access_denied', 'the user denied the request'), 303, lang);
    }
    await rememberConsent(deps, pending.client, session.userId, pending.row.scope.split(' ').filter(Boolean));
    return outcomeResult(await proceed(deps, pending, session, true), 303, lang);
  },
} satisfies Partial<Handlers>;
