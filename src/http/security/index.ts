import type { Context } from 'openapi-backend';
import type { Deps } from '../../deps';
import type { Principal } from '../principal';
import type { SecurityHandler } from './types';
import { sessionSecurityHandlers } from './sessions';
import { apiKeySecurityHandlers } from './apiKeys';
import { oauthSecurityHandlers } from './oauth';
import { managementSecurityHandlers } from './management';

export type { SecurityHandler } from './types';
export { SESSION_COOKIE, APP_SESSION_HEADER } from './sessions';

/** Every security scheme of the spec, in one registry (start-up fails when a scheme has no handler). */
export function securityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    ...sessionSecurityHandlers(deps),
    ...apiKeySecurityHandlers(deps),
    ...oauthSecurityHandlers(deps),
    ...managementSecurityHandlers(deps),
  };
}

/** The first principal that satisfied one of the operation's security requirements. */
export function principalFrom(c: Context): Principal | null {
  const results = (c.security ?? {}) as Record<string, unknown>;
  for (const requirement of c.operation?.security ?? []) {
    const names = Object.keys(requirement);
    if (names.length === 0) continue;
    const values = names.map((n) => results[n]);
    if (values.every((v) => v && typeof v === 'object' && !('error' in v))) return values[0] as Principal;
  }
  return null;
}
