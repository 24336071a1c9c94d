import type { SessionManager } from '@kinde-oss/kinde-typescript-sdk';

/** The Kinde SDK keeps tokens (and the PKCE verifier) in a session manager; an in-memory one is enough in tests. */
export function memorySession(): SessionManager & { items: Map<string, unknown> } {
  const items = new Map<string, unknown>();
  return {
    items,
    getSessionItem: async (k: string) => items.get(k) ?? null,
    setSessionItem: async (k: string, v: unknown) => void items.set(k, v),
    removeSessionItem: async (k: string) => void items.delete(k),
    destroySession: async () => items.clear(),
  };
}
