import type { Handlers } from '../http/handler';
import { browserSessionOf, extraOf, finishWithError, loadPending, proceed } from '../services/oauth/authorize';
import { describeScopes, rememberConsent } from '../services/oauth/consent';
import { consentPage } from '../pages/consent';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { csrfOk, emailOf, outcomeResult, page, redirect } from './pageResults';

const expired = () => page(400, errorPage('Request expired', 'This request from the application has expired or was already answered.'));

/** The consent page for third-party clients (first-party clients never get here). */
export const consentPageHandlers = {
  getConsentPage: async (ctx) => {
    const { deps } = ctx;
    const pending = await loadPending(deps, ctx.query.req);
    if (!pending) return expired();
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
    if (!pending) return expired();
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?req=${encodeURIComponent(pending.handle)}`);
    if (body.decision !== 'approve') {
      return outcomeResult(await finishWithError(deps, pending, 'access_denied', 'the user denied the request'), 303);
    }
    await rememberConsent(deps, pending.client, session.userId, pending.row.scope.split(' ').filter(Boolean));
    return outcomeResult(await proceed(deps, pending, session, true), 303);
  },
} satisfies Partial<Handlers>;
