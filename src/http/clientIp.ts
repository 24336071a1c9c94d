import type { Request } from 'express';
import type { Deps } from '../deps';

/** The caller's address: X-Forwarded-For's first hop only behind a trusted proxy (KEYHAVEN_TRUST_PROXY). */
export function clientIp(deps: Deps, req: Request): string {
  if (deps.config.trustProxy) {
    const xff = String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim();
    if (xff) return xff;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
