import type { Deps } from '../../deps';
import { revokeSession } from '../sessions';
import type { BrowserSession } from './authorize';
import { findClient, logoutUriAllowed } from './clients';
import { verifyIdTokenHint } from './tokens';

/**
 * GET /logout in both dialects: seed 002's `?redirect=URL` and OIDC RP-initiated logout
 * (`id_token_hint`, `post_logout_redirect_uri`, `state`, `client_id`).
 */
export interface LogoutQuery {
  redirect?: string;
  client_id?: string;
  id_token_hint?: string;
  post_logout_redirect_uri?: string;
  state?: string;
}

export type LogoutPlan =
  /** A refusal, named for the error page (`error.<reason>.*` in the page catalogue). */
  | { kind: 'invalid'; reason: LogoutRefusal }
  /** Ask the user first (OIDC logout without a hint, or a hint for another user). */
  | { kind: 'confirm'; target?: string; clientId?: string; clientName?: string }
  /**
   * Sign out at once: a valid hint for the signed-in user, nobody signed in, or seed 002's
   * `?redirect=` to a registered logout URL (its SDKs send no hint and expect no question).
   */
  | { kind: 'now'; target?: string; clientId?: string };

export type LogoutRefusal = 'logoutForeignToken' | 'logoutOtherAudience' | 'logoutUnknownClient' | 'logoutUnregisteredUri';
const invalid = (reason: LogoutRefusal): LogoutPlan => ({ kind: 'invalid', reason });

/**
 * Where a logout may send the browser: only to a logout URI registered by the client named by
 * `client_id` or the hint's audience; when no client is named, by some registered client.
 */
export async function planLogout(deps: Deps, q: LogoutQuery, session: BrowserSession | null): Promise<LogoutPlan> {
  let clientId = q.client_id;
  let hintSub: string | undefined;
  if (q.id_token_hint) {
    const hint = await verifyIdTokenHint(deps, q.id_token_hint);
    if (!hint) return invalid('logoutForeignToken');
    if (clientId !== undefined && !hint.aud.includes(clientId)) return invalid('logoutOtherAudience');
    clientId = clientId ?? hint.aud[0];
    hintSub = hint.sub;
  }
  const client = clientId !== undefined ? await findClient(deps, clientId) : undefined;
  if (clientId !== undefined && !client) return invalid('logoutUnknownClient');
  const asked = q.post_logout_redirect_uri ?? q.redirect;
  let target: string | undefined;
  // The application whose registered logout URL this is, when the request names none.
  let owner = client?.clientId;
  if (asked) {
    owner ??= (await deps.repos.authorize.clientsWithLogoutUris()).find((c) => logoutUriAllowed(c, asked))?.clientId;
    const allowed = client ? logoutUriAllowed(client, asked) : owner !== undefined;
    if (!allowed) return invalid('logoutUnregisteredUri');
    target = withState(asked, q.state);
  }
  if (!session) return { kind: 'now', target, clientId: client?.clientId };
  if (q.redirect !== undefined && q.post_logout_redirect_uri === undefined && hintSub === undefined) return { kind: 'now', target, clientId: owner };
  const user = hintSub !== undefined ? await deps.repos.users.findById(session.userId) : undefined;
  if (user && user.public_id === hintSub) return { kind: 'now', target, clientId: client?.clientId };
  return { kind: 'confirm', target, clientId: client?.clientId, clientName: client?.name };
}

function withState(uri: string, state: string | undefined): string {
  if (state === undefined) return uri;
  const url = new URL(uri);
  url.searchParams.append('state', state);
  return url.toString();
}

/**
 * Ends the browser session. When the logout names a client (client_id or id_token_hint), the user's
 * tokens issued to that client are revoked too (refresh tokens included); other applications keep theirs.
 */
export async function performLogout(deps: Deps, session: BrowserSession | null, clientId: string | undefined): Promise<void> {
  if (!session) return;
  await revokeSession(deps, session.sessionId);
  if (clientId) await deps.repos.authorize.revokeUserClientTokens(session.userId, clientId, deps.clock());
}
