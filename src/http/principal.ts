/** Who a request acts as, produced by a security handler before any handler runs. */
export interface Principal {
  /** Which credential authenticated the request. */
  kind: 'browser_session' | 'app_session' | 'oauth' | 'api_key' | 'oauth_client';
  /** 0 for 'oauth_client' (an authenticated OAuth client, no user). */
  userId: number;
  sessionId?: string;
  /** OAuth scopes, where the credential carries them. */
  scopes?: string[];
  clientId?: string;
  tenantId?: number;
}
