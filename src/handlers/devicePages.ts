import type { Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import { browserSessionOf } from '../services/oauth/authorize';
import { findClient } from '../services/oauth/clients';
import { decideDevice, findPendingDevice } from '../services/oauth/device';
import { issueCsrf } from '../pages/csrf';
import { deviceConfirmPage, deviceDonePage, deviceEntryPage } from '../pages/device';
import { chosenLang, csrfOk, emailOf, error, langOf, notice, page, redirect, retryAfter } from './pageResults';

/** The device verification page (RFC 8628 §3.3): enter or confirm a user code, then Approve or Deny. */
export const devicePageHandlers = {
  getDevicePage: async (ctx) => {
    const { deps, query, ip } = ctx;
    const carryLang = chosenLang(query.lang);
    const lang = langOf(ctx, undefined, carryLang);
    if (query.result) {
      const client = query.client_id ? await findClient(deps, query.client_id) : undefined;
      return page(200, deviceDonePage(lang, query.result === 'approved', client?.name));
    }
    const session = await browserSessionOf(deps, ctx.principal);
    const here = `/oauth/device?${new URLSearchParams({ ...(query.user_code ? { user_code: query.user_code } : {}), ...(carryLang ? { lang: carryLang } : {}) })}`.replace(/\?$/, '');
    if (!session) return redirect(302, `/login?return_to=${encodeURIComponent(here)}${carryLang ? `&lang=${carryLang}` : ''}`);
    const csrf = issueCsrf(ctx.cookies, 'device');
    if (!query.user_code) return page(200, deviceEntryPage({ lang, carryLang, csrf: csrf.token }), { csrf });
    let device;
    try {
      device = await findPendingDevice(deps, query.user_code, session.userId, ip);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 429) throw err;
      return page(429, deviceEntryPage({ lang, carryLang, csrf: csrf.token, banner: notice(lang, error('device.tooMany')) }), { csrf, headers: retryAfter(err) });
    }
    if (!device) return page(400, deviceEntryPage({ lang, carryLang, csrf: csrf.token, userCode: query.user_code, banner: notice(lang, error('device.notValid')) }), { csrf });
    const html = deviceConfirmPage({
      lang,
      carryLang,
      csrf: csrf.token,
      userCode: device.userCode,
      clientName: device.client.name,
      userEmail: await emailOf(deps, session.userId),
      scopes: device.row.scope.split(' ').filter(Boolean),
    });
    return page(200, html, { csrf });
  },

  postDevicePage: async (ctx) => {
    const { deps, body, ip } = ctx;
    const carryLang = chosenLang(body.lang);
    const lang = langOf(ctx, undefined, carryLang);
    const withLang = (q: Record<string, string>) => new URLSearchParams({ ...q, ...(carryLang ? { lang: carryLang } : {}) }).toString();
    const session = await browserSessionOf(deps, ctx.principal);
    if (!session) return redirect(303, `/login?${withLang({ return_to: carryLang ? `/oauth/device?lang=${carryLang}` : '/oauth/device' })}`);
    const csrf = issueCsrf(ctx.cookies, 'device');
    const entry = (status: number, key: Parameters<typeof error>[0], headers?: Record<string, string>) =>
      page(status, deviceEntryPage({ lang, carryLang, csrf: csrf.token, userCode: body.user_code, banner: notice(lang, error(key)) }), { csrf, headers });
    if (!csrfOk(ctx, 'device', body.csrf_token)) return entry(403, 'common.formExpired');
    if (!body.user_code) return entry(400, 'device.enterCode');
    if (body.action !== 'approve' && body.action !== 'deny') return redirect(303, `/oauth/device?${withLang({ user_code: body.user_code.trim() })}`);
    let device;
    try {
      device = await findPendingDevice(deps, body.user_code, session.userId, ip);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 429) throw err;
      return entry(429, 'device.tooMany', retryAfter(err));
    }
    const approve = body.action === 'approve';
    if (!device || !(await decideDevice(deps, device, { approve, userId: session.userId, authTime: session.authTime, amr: session.amr }))) {
      return entry(400, 'device.notValid');
    }
    // Post/redirect/get: reloading the outcome page submits nothing.
    return redirect(303, `/oauth/device?${withLang({ result: approve ? 'approved' : 'denied', client_id: device.client.clientId })}`);
  },
} satisfies Partial<Handlers>;
