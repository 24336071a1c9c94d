import type { Handlers } from '../http/handler';
import { authenticateClient } from '../services/oauth/clients';
import { authorize, browserSessionOf } from '../services/oauth/authorize';
import { startDeviceAuthorization } from '../services/oauth/device';
import { errorPage } from '../pages/error';
import { resolveLang } from '../pages/i18n';
import { PAGE_HEADERS } from '../pages/layout';

type AuthorizeCtx = Pick<Parameters<Handlers['authorizeOAuth']>[0], 'deps' | 'query' | 'principal' | 'headers'>;

/** Both authorization paths, one handler. */
const authorizeHandler = async ({ deps, query, principal, headers }: AuthorizeCtx) => {
  const outcome = await authorize(deps, query ?? {}, await browserSessionOf(deps, principal));
  if (outcome.kind === 'redirect') return { status: 302 as const, redirect: outcome.location, headers: PAGE_HEADERS };
  // The generated result type covers 2xx and default only; the 400 HTML page is declared in the spec.
  const lang = resolveLang(query?.lang, headers['accept-language']);
  return { status: 400, html: errorPage(lang, outcome.error), headers: PAGE_HEADERS } as never;
};

export const oauthAuthorizeHandlers = {
  authorizeOAuth: authorizeHandler,
  authorizeOAuth2: authorizeHandler,
  startDeviceAuthorization: async ({ deps, body, principal, headers, ip }) => {
    const basicPresented = /^basic /i.test(headers.authorization ?? '');
    const client = await authenticateClient(deps, { principal, basicPresented, body, ip });
    return { status: 200, body: await startDeviceAuthorization(deps, client, body.scope), headers: { 'Cache-Control': 'no-store' } };
  },
} satisfies Partial<Handlers>;
