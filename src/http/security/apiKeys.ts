import type { Deps } from '../../deps';
import { authenticateApiKey } from '../../services/apiKeys';
import type { SecurityHandler } from './types';

/**
 * API-key credentials (seed 003): `Authorization: Bearer krn_…` or `X-API-Key: krn_…`. The bearer
 * handler accepts only krn_ tokens, leaving other bearer tokens to the OAuth schemes.
 */
export function apiKeySecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    apiKeyBearer: async (c) => {
      const m = /^Bearer\s+(krn_\S+)$/i.exec(String(c.request.headers.authorization ?? ''));
      return m ? authenticateApiKey(deps, m[1]) : undefined;
    },
    apiKeyHeader: async (c) => {
      const value = c.request.headers['x-api-key'];
      return typeof value === 'string' && value.startsWith('krn_') ? authenticateApiKey(deps, value) : undefined;
    },
  };
}
