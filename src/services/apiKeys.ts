import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps';
import { badRequest, notFound } from '../http/errors';
import type { Principal } from '../http/principal';
import type { ApiKey } from '../store/repositories/apiKeys';
import { hashToken } from './crypto';
import type { TenantAdmin } from './tenants';

export const API_KEY_WARNING = 'Store this key securely. It will not be shown again.' as const;
const KEY_PATTERN = /^krn_[0-9a-f]{64}$/;
/** last_used_at is written at most once a minute per key, so a busy key does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export const isApiKeyFormat = (value: string) => KEY_PATTERN.test(value);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function summary(k: ApiKey) {
  return { id: k.id, name: k.name, prefix: k.prefix, expiresAt: iso(k.expires_at), createdAt: iso(k.created_at)!, lastUsedAt: iso(k.last_used_at) };
}

/** Creates a key for the admin's tenant; the key (krn_ + 256 bits hex) is returned once and stored as a hash. */
export async function createApiKey(deps: Deps, admin: TenantAdmin, input: { name?: string; expiresAt?: string }) {
  const now = deps.clock();
  const expiresAt = input.expiresAt === undefined ? null : Date.parse(input.expiresAt);
  if (expiresAt !== null && !(expiresAt > now)) throw badRequest('expiresAt must be in the future', '/body/expiresAt');
  const key = 'krn_' + randomBytes(32).toString('hex');
  const prefix = key.slice(0, 12);
  const name = input.name?.trim() || `API key ${prefix}`;
  const row = {
    id: 'key_' + randomBytes(12).toString('hex'),
    organization_id: admin.tenantId,
    user_id: admin.userId,
    name,
    prefix,
    key_hash: hashToken(key),
    expires_at: expiresAt,
    created_at: now,
  };
  await deps.repos.apiKeys.insert(row);
  return { id: row.id, name, key, prefix, expiresAt: iso(expiresAt), createdAt: iso(now)!, warning: API_KEY_WARNING } as const;
}

export async function listApiKeys(deps: Deps, admin: TenantAdmin) {
  return (await deps.repos.apiKeys.listUsable(admin.tenantId, deps.clock())).map(summary);
}

/** Soft revoke; a key of another tenant is as unknown as a missing one (404). Revoking twice is not an error. */
export async function revokeApiKey(deps: Deps, admin: TenantAdmin, id: string) {
  const key = await deps.repos.apiKeys.findInOrganization(id, admin.tenantId);
  if (!key) throw notFound('no such API key');
  await deps.repos.apiKeys.revoke(id, deps.clock());
  return { id, revoked: true as const };
}

/** The principal of a presented key: its owner acting within its tenant; undefined when unknown, revoked or expired. */
export async function authenticateApiKey(deps: Deps, presented: string): Promise<Principal | undefined> {
  if (!isApiKeyFormat(presented)) return undefined;
  const now = deps.clock();
  const key = await deps.repos.apiKeys.findUsableByHash(hashToken(presented), now);
  if (!key) return undefined;
  if (key.last_used_at === null || now - key.last_used_at >= TOUCH_INTERVAL_MS) await deps.repos.apiKeys.touch(key.id, now);
  return { kind: 'api_key', userId: key.user_id, tenantId: key.organization_id };
}
