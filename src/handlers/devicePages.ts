import type { Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import { browserSessionOf } from '../services/oauth/authorize';
import { findClient } from '../services/oauth/clients';
import { describeScopes } from '../services/oauth/consent';
import { decideDevice, findPendingDevice } from '../services/oauth/device';
import { issueCsrf } from '../pages/csrf';
import { deviceConfirmPage, deviceDonePage, deviceEntryPage } from '../pages/device';
import { csrfOk, emailOf, error, page, redirect, retryAfter } from './pageResults';

const TOO_MANY = 'Too many codes tried. Wait a few minutes and try again.';
const NOT_VALID = 'That code is not valid, has expired or was already used.';

/** The device verification page (RFC 8628 §3.3): enter or confirm a user code, then Approve or Deny. */
export const devicePageHandlers = {
  getDevicePage: async (ctx) => {
    const { deps, query, ip } = ctx;
    if (query.result) {
      const client = query.client_id ? await findClient(deps, query.client_id) : undefined;
      return page(200, deviceDonePage(query.result === 'approved', client?.name));
    }
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
      return page(429, deviceEntryPage({ csrf: csrf.token, banner: error(TOO_MANY) }), { csrf, headers: retryAfter(err) });
    }
    if (!device) return page(400, deviceEntryPage({ csrf: csrf.token, userCode: query.user_code, banner: error(NOT_VALID) }), { csrf });
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
      return entry(429, TOO_MANY, retryAfter(err));
    }
    const approve = body.action === 'approve';
    if (!device || !(await decideDevice(deps, device, { approve, userId: session.userId, authTime: session.authTime, amr: session.amr }))) {
      return entry(400, NOT_VALID);
    }
    // Post/redirect/get: reloading the outcome page submits nothing.
    const outcome = new URLSearchParams({ result: approve ? 'approved' : 'denied', client_id: device.client.clientId });
    return redirect(303, `/oauth/device?${outcome}`);
  },
} satisfies Partial<Handlers>;
