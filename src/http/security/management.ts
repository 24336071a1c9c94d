import type { Deps } from '../../deps';
import { verifyAccessToken } from '../../services/oauth/tokens';
import { managementAudience } from '../../services/oauth/clients';
import { insufficientScope } from './oauth';
import { bearerToken, requiredScopes, type SecurityHandler } from './types';

/**
 * kindeBearerAuth (seed 002's management API): a client-credentials RS256 JWT whose audience is
 * `{issuer}/api`. A user's token is no management credential (401 like any invalid one); a machine
 * token without the operation's scope gets 403.
 */
export function managementSecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    kindeBearerAuth: async (c) => {
      const presented = bearerToken(c);
      const token = presented === undefined ? undefined : await verifyAccessToken(deps, presented, managementAudience(deps));
      if (!token || token.userId !== null || token.row.format !== 'jwt') return undefined;
      const denied = insufficientScope(requiredScopes(c, 'kindeBearerAuth'), token.scopes);
      if (denied) throw denied;
      return { kind: 'm2m', clientId: token.clientId, scopes: token.scopes };
    },
  };
}
