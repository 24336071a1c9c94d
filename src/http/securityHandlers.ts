import type { Deps } from '../deps';
import { coreSecurityHandlers, type SecurityHandler } from './security';

/** Every security scheme of the spec, each feature contributing its own. */
export function securityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    ...coreSecurityHandlers(deps),
  };
}
