import type { AuthorizeOAuthData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import type { Principal } from '../../http/principal';
import type { AuthorizationRequestRow } from '../../store/repositories/authorize';
import { hashToken, randomToken } from '../crypto';
import { findClient, redirectUriAllowed } from './clients';
import { S256_CHALLENGE, issueAuthorizationCode } from './codes';
import { consentedSince, needsConsent, resolveScopes } from './consent';
import { admitToOrganization, createOrganizationAtSignIn, organizationsToChooseFrom, wantsNewOrganization } from './organizations';
import type { OAuthClient } from './types';

/** GET /oauth/authorize and /oauth2/auth query parameters, as the spec defines them (all optional there; checked here). */
export type AuthorizeQuery = NonNullable<AuthorizeOAuthData['query']>;

/** Extra parameters kept on the grant (seed 002's SDKs send them); audiences are space-joined. */
const EXTRA_PARAMS = ['org_code', 'org_name', 'is_create_org', 'lang', 'start_page', 'connection_id', 'audience'] as const;
/** Seed 002's Analytics tags: recorded with the sign-in, never on the grant or in a token. */
const UTM_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
const utmOf = (q: AuthorizeQuery) => Object.fromEntries(UTM_PARAMS.flatMap((name) => (q[name] ? [[name, q[name]]] : [])));
const PROMPTS = new Set(['none', 'login', 'consent', 'create', 'select_account']);
const REQUEST_TTL_MS = 30 * 60 * 1000;

/** The signed-in browser session, as far as authorization cares. */
export interface BrowserSession {
  userId: number;
  sessionId: string;
  authTime: number;
  amr: string[];
}

/** A dead end shown as a page (its words are the page catalogue's `error.<name>.*`). */
export type AuthorizeErrorPage = 'unknownClient' | 'invalidRedirect' | 'requestCompleted';
export type AuthorizeOutcome = { kind: 'redirect'; location: string } | { kind: 'error_page'; error: AuthorizeErrorPage };

/** A stored request, found by the handle the hosted pages carry in `req`. */
export interface PendingAuthorization {
  handle: string;
  row: AuthorizationRequestRow;
  client: OAuthClient;
}

const errorPage = (error: AuthorizeErrorPage): AuthorizeOutcome => ({ kind: 'error_page', error });

/** The live browser session behind a cookieSession principal (auth_time and amr included). */
export async function browserSessionOf(deps: Deps, principal: Principal | null): Promise<BrowserSession | null> {
  if (principal?.kind !== 'browser_session' || !principal.sessionId) return null;
  const s = await deps.repos.sessions.findById(principal.sessionId);
  if (!s || s.revoked_at !== null) return null;
  return { userId: s.user_id, sessionId: s.id, authTime: s.auth_time, amr: JSON.parse(s.amr) as string[] };
}

/** RFC 6749 §4.1.2 + RFC 9207: parameters appended to the registered redirect URI, with `iss`. */
export function clientRedirect(deps: Deps, redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) url.searchParams.append(k, v);
  url.searchParams.append('iss', deps.config.issuer);
  return url.toString();
}

/** Checks everything after client and redirect URI; an OAuthError here goes back to the client. */
function validate(client: OAuthClient, q: AuthorizeQuery): { scopes: string[]; prompts: string[]; extra: Record<string, string> } {
  if (q.response_type !== 'code') {
    throw new OAuthError('unsupported_response_type', q.response_type ? `response_type ${q.response_type.slice(0, 50)} is not supported; use code` : 'response_type is required');
  }
  if (!client.grantTypes.includes('authorization_code')) throw new OAuthError('unauthorized_client', 'this client may not use the authorization code flow');
  if (q.response_mode !== undefined && q.response_mode !== 'query') throw new OAuthError('invalid_request', 'only response_mode=query is supported');
  if (q.request !== undefined) throw new OAuthError('request_not_supported', 'request objects are not supported');
  if (q.request_uri !== undefined) throw new OAuthError('request_uri_not_supported', 'request_uri is not supported');
  if (q.code_challenge !== undefined || q.code_challenge_method !== undefined) {
    if (q.code_challenge_method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
    if (!q.code_challenge || !S256_CHALLENGE.test(q.code_challenge)) throw new OAuthError('invalid_request', 'code_challenge must be a base64url SHA-256 hash (43 characters)');
  } else if (client.type === 'public') {
    throw new OAuthError('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  }
  const prompts = [...new Set((q.prompt ?? '').split(' ').filter(Boolean))];
  const unknown = prompts.find((p) => !PROMPTS.has(p));
  if (unknown !== undefined) throw new OAuthError('invalid_request', `unsupported prompt value ${unknown.slice(0, 50)}`);
  if (prompts.includes('none') && prompts.length > 1) throw new OAuthError('invalid_request', 'prompt=none cannot be combined with other values');
  const scopes = resolveScopes(client, q.scope);
  const extra: Record<string, string> = {};
  for (const name of EXTRA_PARAMS) {
    const v = q[name];
    const value = Array.isArray(v) ? v.join(' ') : v;
    if (value) extra[name] = value;
  }
  return { scopes, prompts, extra };
}

/**
 * GET /oauth/authorize and /oauth2/auth. An unknown client or an unregistered redirect URI is
 * answered with an error page (never a redirect); any other problem goes back to the client.
 */
export async function authorize(deps: Deps, q: AuthorizeQuery, session: BrowserSession | null): Promise<AuthorizeOutcome> {
  const client = q.client_id ? await findClient(deps, q.client_id) : undefined;
  if (!client) return errorPage('unknownClient');
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return errorPage('invalidRedirect');
  }
  let checked: ReturnType<typeof validate>;
  try {
    checked = validate(client, q);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    return { kind: 'redirect', location: clientRedirect(deps, q.redirect_uri, { error: err.code, error_description: err.message, state: q.state }) };
  }
  const handle = randomToken();
  const now = deps.clock();
  const row: AuthorizationRequestRow = {
    id: hashToken(handle),
    client_id: client.clientId,
    redirect_uri: q.redirect_uri,
    scope: checked.scopes.join(' '),
    state: q.state ?? null,
    nonce: q.nonce ?? null,
    code_challenge: q.code_challenge ?? null,
    prompt: checked.prompts.join(' '),
    max_age: q.max_age ?? null,
    login_hint: q.login_hint ?? null,
    extra: JSON.stringify(checked.extra),
    utm: JSON.stringify(utmOf(q)),
    created_at: now,
    expires_at: now + REQUEST_TTL_MS,
    completed_at: null,
  };
  await deps.repos.authorize.insertRequest(row);
  return proceed(deps, { handle, row, client }, session);
}

/** A pending request by its handle; undefined when unknown, expired or completed. */
export async function loadPending(deps: Deps, handle: string | undefined): Promise<PendingAuthorization | undefined> {
  if (!handle || handle.length > 100) return undefined;
  const row = await deps.repos.authorize.findLiveRequest(hashToken(handle), deps.clock());
  const client = row && (await findClient(deps, row.client_id));
  return row && client ? { handle, row, client } : undefined;
}

export const extraOf = (p: PendingAuthorization) => JSON.parse(p.row.extra) as Record<string, string>;
export const promptsOf = (p: PendingAuthorization) => p.row.prompt.split(' ').filter(Boolean);
export const pageUrl = (deps: Deps, page: 'login' | 'register' | 'consent' | 'organizations/select', handle: string) => `${deps.config.issuer}/${page}?req=${encodeURIComponent(handle)}`;

/**
 * The next step of a request: sign-in (or account creation), consent, the organization chooser, or the
 * code. A session counts unless prompt=login/create asks for a fresh one (authenticated after the
 * request began) or max_age is exceeded. `consented` is set when the consent page itself continues the
 * request; an approval given after the request began also satisfies prompt=consent (so that the step
 * after consent does not ask again).
 */
export async function proceed(deps: Deps, p: PendingAuthorization, session: BrowserSession | null, consented = false): Promise<AuthorizeOutcome> {
  const prompts = promptsOf(p);
  const fresh = session !== null && session.authTime >= p.row.created_at;
  // A sign-in made for this very request satisfies max_age (else max_age=0 would ask forever).
  const tooOld = session !== null && !fresh && p.row.max_age !== null && deps.clock() - session.authTime > p.row.max_age * 1000;
  const wantsCreate = prompts.includes('create') || extraOf(p).start_page === 'registration';
  if (!session || tooOld || (!fresh && (prompts.includes('login') || prompts.includes('create')))) {
    if (prompts.includes('none')) return finishWithError(deps, p, 'login_required', 'the user is not signed in');
    return { kind: 'redirect', location: pageUrl(deps, wantsCreate ? 'register' : 'login', p.handle) };
  }
  const scopes = p.row.scope.split(' ').filter(Boolean);
  const askConsent = prompts.includes('consent') && !(await consentedSince(deps, p.client, session.userId, scopes, p.row.created_at));
  if (!consented && (askConsent || (await needsConsent(deps, p.client, session.userId, scopes)))) {
    if (prompts.includes('none')) return finishWithError(deps, p, 'consent_required', 'the user has not approved this application');
    return { kind: 'redirect', location: pageUrl(deps, 'consent', p.handle) };
  }
  const choices = await organizationsToChooseFrom(deps, session.userId, extraOf(p));
  if (!choices) return finish(deps, p, session);
  if (!prompts.includes('none')) return { kind: 'redirect', location: pageUrl(deps, 'organizations/select', p.handle) };
  // prompt=none shows no page: the user's first organization, recorded on the request.
  return finish(deps, await chooseOrganization(deps, p, choices[0].code), session);
}

/** Records the organization the request signs into (`org_code` on the pending request, and so on its grant). */
export async function chooseOrganization(deps: Deps, p: PendingAuthorization, orgCode: string): Promise<PendingAuthorization> {
  const extra = JSON.stringify({ ...extraOf(p), org_code: orgCode });
  await deps.repos.authorize.updateRequestExtra(p.row.id, extra);
  return { ...p, row: { ...p.row, extra } };
}

/** Issues the code and sends the browser back to the client (once per request). */
async function finish(deps: Deps, p: PendingAuthorization, session: BrowserSession): Promise<AuthorizeOutcome> {
  let extra = extraOf(p);
  const createOrg = wantsNewOrganization(extra);
  if (!createOrg && !(await admitToOrganization(deps, session.userId, extra.org_code))) {
    return finishWithError(deps, p, 'access_denied', `the user is not a member of organization ${extra.org_code}`);
  }
  if (!(await deps.repos.authorize.completeRequest(p.row.id, deps.clock()))) {
    return errorPage('requestCompleted');
  }
  // A completed request creates its organization once; the grant then names it.
  if (createOrg) extra = { ...extra, org_code: await createOrganizationAtSignIn(deps, session.userId, extra.org_name) };
  await recordSignIn(deps, p, session.userId, extra.org_code);
  const code = await issueAuthorizationCode(deps, {
    clientId: p.client.clientId,
    userId: session.userId,
    redirectUri: p.row.redirect_uri,
    scope: p.row.scope,
    nonce: p.row.nonce,
    codeChallenge: p.row.code_challenge,
    authTime: session.authTime,
    amr: session.amr,
    extra,
  });
  return { kind: 'redirect', location: clientRedirect(deps, p.row.redirect_uri, { code, state: p.row.state }) };
}

/** The sign-in into the application, with the request's UTM tags (seed 002's Analytics). */
async function recordSignIn(deps: Deps, p: PendingAuthorization, userId: number, orgCode: string | undefined): Promise<void> {
  const org = orgCode ? await deps.repos.organizations.findByCode(orgCode) : undefined;
  await deps.repos.signIns.record({ user_id: userId, client_id: p.client.clientId, organization_id: org?.id ?? null, utm: p.row.utm, created_at: deps.clock() });
}

/** Ends the request with an RFC 6749 error sent to the client (login_required, access_denied, …). */
export async function finishWithError(deps: Deps, p: PendingAuthorization, error: string, description: string): Promise<AuthorizeOutcome> {
  await deps.repos.authorize.completeRequest(p.row.id, deps.clock());
  return { kind: 'redirect', location: clientRedirect(deps, p.row.redirect_uri, { error, error_description: description, state: p.row.state }) };
}
