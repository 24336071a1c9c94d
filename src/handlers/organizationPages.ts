import type { Handlers } from '../http/handler';
import { browserSessionOf, chooseOrganization, extraOf, loadPending, proceed, type BrowserSession, type PendingAuthorization } from '../services/oauth/authorize';
import { organizationsToChooseFrom } from '../services/oauth/organizations';
import { issueCsrf } from '../pages/csrf';
import { errorPage } from '../pages/error';
import { organizationChooserPage } from '../pages/organizations';
import { csrfOk, emailOf, error, langOf, notice, outcomeResult, page, redirect, type FormCtx, type Notice } from './pageResults';

// The organization chooser (seed 002): a user in several organizations picks the one the code is for.

type Choices = { code: string; name: string }[];

async function renderChooser(ctx: FormCtx, status: number, p: PendingAuthorization, session: BrowserSession, choices: Choices, banner?: Notice): Promise<never> {
  const lang = langOf(ctx, p);
  const csrf = issueCsrf(ctx.cookies, 'organization');
  const html = organizationChooserPage({
    lang,
    csrf: csrf.token,
    req: p.handle,
    clientName: p.client.name,
    userEmail: await emailOf(ctx.deps, session.userId),
    organizations: choices,
    banner: notice(lang, banner),
  });
  return page(status, html, { csrf });
}

const expired = (ctx: FormCtx) => page(400, errorPage(langOf(ctx, undefined), 'requestExpired'));

export const organizationPageHandlers = {
  getOrganizationChooserPage: async (ctx) => {
    const { deps } = ctx;
    const pending = await loadPending(deps, ctx.query.req);
    if (!pending) return expired(ctx);
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(302, `/login?req=${encodeURIComponent(pending.handle)}`);
    const choices = await organizationsToChooseFrom(deps, session.userId, extraOf(pending));
    // Nothing to choose (the request names an organization, or the user has one): on with the request.
    if (!choices) return outcomeResult(await proceed(deps, pending, session), 302, langOf(ctx, pending));
    return renderChooser(ctx, 200, pending, session, choices);
  },

  postOrganizationChooserPage: async (ctx) => {
    const { deps, body } = ctx;
    const csrfGood = csrfOk(ctx, 'organization', body.csrf_token);
    const pending = await loadPending(deps, body.req);
    if (!pending) return csrfGood ? expired(ctx) : page(403, errorPage(langOf(ctx, undefined), 'formExpired'));
    const lang = langOf(ctx, pending);
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?req=${encodeURIComponent(pending.handle)}`);
    const choices = await organizationsToChooseFrom(deps, session.userId, extraOf(pending));
    if (!csrfGood) return choices ? renderChooser(ctx, 403, pending, session, choices, error('common.formExpired')) : page(403, errorPage(lang, 'formExpired'));
    // Nothing to choose any more (the request names an organization, or the user has one): on with the request.
    if (!choices) return outcomeResult(await proceed(deps, pending, session), 303, lang);
    // The choice is checked against the user's organizations now, never trusted from the form.
    const chosen = choices.find((o) => o.code === body.org_code);
    if (!chosen) return renderChooser(ctx, 400, pending, session, choices, error('org.invalid'));
    return outcomeResult(await proceed(deps, await chooseOrganization(deps, pending, chosen.code), session), 303, lang);
  },
} satisfies Partial<Handlers>;
