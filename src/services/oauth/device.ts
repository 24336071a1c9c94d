import { randomUUID } from 'node:crypto';
import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import type { DeviceCodeRow } from '../../store/repositories/authorizeDevice';
import { hashToken, randomString, randomToken } from '../crypto';
import type { Limit } from '../rateLimit';
import { resolveScopes } from './consent';
import { findClient } from './clients';
import type { Grant, OAuthClient } from './types';

export const DEVICE_CODE_PREFIX = 'kndr_odc_';
export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const EXPIRES_IN_SECONDS = 900 as const;
const INTERVAL_SECONDS = 5;
/** RFC 8628 §6.1: consonants only (no vowels, no look-alikes such as 0/O, 1/I). 20^8 ≈ 2^34.6. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: typeof EXPIRES_IN_SECONDS;
  interval: number;
  scope: string;
}

/** "abcd efgh", "ABCD-EFGH", "abcdefgh" → "ABCDEFGH"; undefined when it cannot be a user code. */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === 8 && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

export const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** POST /oauth/device/code (RFC 8628 §3.1–3.2), for an authenticated (or public) client. */
export async function startDeviceAuthorization(deps: Deps, client: OAuthClient, scope: string | undefined): Promise<DeviceAuthorization> {
  if (!client.grantTypes.includes(DEVICE_GRANT_TYPE)) throw new OAuthError('unauthorized_client', 'this client may not use the device flow');
  const scopes = resolveScopes(client, scope);
  const deviceCode = randomToken(DEVICE_CODE_PREFIX);
  const userCode = randomString(8, USER_CODE_ALPHABET);
  const now = deps.clock();
  await deps.repos.deviceCodes.insert({
    id: randomUUID(),
    device_code_hash: hashToken(deviceCode),
    user_code_hash: hashToken(userCode),
    client_id: client.clientId,
    scope: scopes.join(' '),
    extra: '{}',
    interval_seconds: INTERVAL_SECONDS,
    status: 'pending',
    user_id: null,
    auth_time: null,
    amr: '[]',
    last_polled_at: null,
    created_at: now,
    expires_at: now + EXPIRES_IN_SECONDS * 1000,
  });
  const verificationUri = `${deps.config.issuer}/oauth/device`;
  const shown = formatUserCode(userCode);
  return {
    device_code: deviceCode,
    user_code: shown,
    verification_uri: verificationUri,
    verification_uri_complete: `${verificationUri}?user_code=${shown}`,
    expires_in: EXPIRES_IN_SECONDS,
    interval: INTERVAL_SECONDS,
    scope: scopes.join(' '),
  };
}

/**
 * The token endpoint's device_code grant (RFC 8628 §3.4–3.5). Polling faster than the interval
 * answers slow_down and raises the stored interval by 5 s; an approval is handed out once.
 */
export async function pollDeviceCode(deps: Deps, input: { deviceCode: string; clientId: string }): Promise<Grant & { grantRef: string }> {
  const now = deps.clock();
  const row = await deps.repos.deviceCodes.findByDeviceCodeHash(hashToken(input.deviceCode));
  if (!row || row.client_id !== input.clientId) throw new OAuthError('invalid_grant', 'device_code is invalid');
  if (row.expires_at <= now) throw new OAuthError('expired_token', 'the device code has expired; start again');
  if (row.status === 'consumed') throw new OAuthError('invalid_grant', 'device_code was already used');
  const tooSoon = row.last_polled_at !== null && now - row.last_polled_at < row.interval_seconds * 1000;
  const interval = tooSoon ? row.interval_seconds + 5 : row.interval_seconds;
  const recorded = await deps.repos.deviceCodes.recordPoll(row.id, row.last_polled_at, now, interval);
  if (tooSoon || !recorded) throw new OAuthError('slow_down', `polling too fast; wait ${interval} seconds between requests`);
  if (row.status === 'pending') throw new OAuthError('authorization_pending', 'the user has not approved the request yet');
  if (row.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request');
  if (row.user_id === null || !(await deps.repos.deviceCodes.consume(row.id))) throw new OAuthError('invalid_grant', 'device_code was already used');
  return {
    userId: row.user_id,
    clientId: row.client_id,
    scope: row.scope,
    authTime: row.auth_time ?? now,
    amr: JSON.parse(row.amr) as string[],
    extra: JSON.parse(row.extra) as Record<string, string>,
    grantRef: `device:${row.id}`,
  };
}

/** Guessing user codes is rate limited per signed-in user and per address (RFC 8628 §5.1). */
export const userCodeLimits = (userId: number, ip: string): Limit[] => [
  { bucket: `device-verify:user:${userId}`, max: 20, windowSeconds: 15 * 60 },
  { bucket: `device-verify:ip:${ip}`, max: 50, windowSeconds: 15 * 60 },
];

export interface PendingDevice {
  row: DeviceCodeRow;
  client: OAuthClient;
  userCode: string;
}

/** A pending, unexpired device request by its user code; a miss counts against the guessing limits. */
export async function findPendingDevice(deps: Deps, userCode: string, userId: number, ip: string): Promise<PendingDevice | undefined> {
  const limits = userCodeLimits(userId, ip);
  await deps.rateLimiter.check(...limits);
  const code = normalizeUserCode(userCode);
  const row = code ? await deps.repos.deviceCodes.findByUserCodeHash(hashToken(code)) : undefined;
  const client = row && row.status === 'pending' && row.expires_at > deps.clock() ? await findClient(deps, row.client_id) : undefined;
  if (!row || !client || !code) {
    // Only misses count: a user confirming their own code is never locked out.
    await deps.rateLimiter.consume(...limits);
    return undefined;
  }
  return { row, client, userCode: formatUserCode(code) };
}

/** The user's answer on the device page; false when the request is no longer pending. */
export async function decideDevice(
  deps: Deps,
  device: PendingDevice,
  decision: { approve: boolean; userId: number; authTime: number; amr: string[] },
): Promise<boolean> {
  return deps.repos.deviceCodes.decide(
    device.row.id,
    { status: decision.approve ? 'approved' : 'denied', userId: decision.userId, authTime: decision.authTime, amr: decision.amr },
    deps.clock(),
  );
}
