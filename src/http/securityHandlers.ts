import type { Deps } from '../deps';
import { coreSecurityHandlers, type SecurityHandler } from './security';
import { apiKeySecurityHandlers } from '../handlers/apiKeys';
import { oauthSecurityHandlers } from '../handlers/oauth';

/** Every security scheme of the spec, each feature contributing its own. */
export function securityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    ...coreSecurityHandlers(deps),
    ...apiKeySecurityHandlers(deps),
    ...oauthSecurityHandlers(deps),
  };
}
