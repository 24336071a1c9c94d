import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import type { OAuthClient } from './types';

/**
 * The scopes this server knows, with what each lets the application do. The consent and device pages
 * word them from the page catalogue (`scope.<name>` in src/pages/i18n), whose English agrees with this.
 */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in (refresh tokens)',
  offline: 'Stay signed in (refresh tokens)',
  app: 'Act on your account for you: API keys, two-step verification and sign-in settings',
};

/** The scopes a request gets: the requested ones (all must be known), else the client's defaults. */
export function resolveScopes(client: OAuthClient, requested: string | undefined): string[] {
  const asked = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  const unknown = asked.find((s) => !(s in SCOPE_DESCRIPTIONS));
  if (unknown !== undefined) throw new OAuthError('invalid_scope', `unknown scope ${unknown.slice(0, 100)}`);
  return asked.length ? asked : client.defaultScopes;
}

/** Whether the user must approve these scopes on the consent page (first-party clients never ask). */
export async function needsConsent(deps: Deps, client: OAuthClient, userId: number, scopes: string[]): Promise<boolean> {
  if (client.firstParty) return false;
  const stored = await deps.repos.authorize.findConsent(userId, client.clientId);
  const granted = new Set((stored?.scope ?? '').split(' ').filter(Boolean));
  return !scopes.every((s) => granted.has(s));
}

/** Whether the user approved these scopes (or more) for this client at or after `since` (the request began). */
export async function consentedSince(deps: Deps, client: OAuthClient, userId: number, scopes: string[], since: number): Promise<boolean> {
  const stored = await deps.repos.authorize.findConsent(userId, client.clientId);
  if (!stored || stored.updated_at < since) return false;
  const granted = new Set(stored.scope.split(' ').filter(Boolean));
  return scopes.every((s) => granted.has(s));
}

/** Remembers an approval; later requests for the same or fewer scopes skip the page. */
export async function rememberConsent(deps: Deps, client: OAuthClient, userId: number, scopes: string[]): Promise<void> {
  const stored = await deps.repos.authorize.findConsent(userId, client.clientId);
  const all = new Set([...(stored?.scope ?? '').split(' ').filter(Boolean), ...scopes]);
  await deps.repos.authorize.saveConsent(userId, client.clientId, [...all].join(' '), deps.clock());
}
