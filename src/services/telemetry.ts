import type { Deps } from '../deps';
import { isUserPrincipal, type Principal } from '../http/principal';
import { badRequest } from '../http/errors';
import type { NotificationRow } from '../store/repositories/telemetry';

/** Largest serialized metadata (and object `details`) stored per record. */
export const METADATA_LIMIT_BYTES = 16 * 1024;
/** Telemetry writes allowed per client IP per minute, across the four endpoints. */
export const TELEMETRY_WRITES_PER_MINUTE = 600;

type Report = Record<string, unknown>;

/** Who sent a report: a valid session's user, or nobody (invalid credentials are ignored). */
export interface Reporter {
  principal: Principal | null;
  ip: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const lower = (v: unknown) => str(v)?.toLowerCase() ?? null;

/** Everything but the primary fields, as JSON; 400 when it exceeds the limit. */
export function metadataOf(body: Report, primary: readonly string[]): string {
  const extra = Object.fromEntries(Object.entries(body).filter(([k]) => !primary.includes(k)));
  const json = JSON.stringify(extra);
  if (Buffer.byteLength(json) > METADATA_LIMIT_BYTES) {
    throw badRequest(`metadata (properties other than ${primary.join(', ')}) exceeds ${METADATA_LIMIT_BYTES} bytes`, '/body');
  }
  return json;
}

async function admit(deps: Deps, who: Reporter) {
  await deps.rateLimiter.consume({ bucket: `telemetry:ip:${who.ip}`, max: TELEMETRY_WRITES_PER_MINUTE, windowSeconds: 60 });
  return { userId: isUserPrincipal(who.principal) ? who.principal.userId : null, now: deps.clock() };
}

const INSTALLATION_FIELDS = ['installation_id', 'platform', 'app_version', 'channel', 'source'] as const;

export async function recordInstallation(deps: Deps, who: Reporter, body: Report) {
  const { userId, now } = await admit(deps, who);
  const { id, total } = await deps.repos.telemetry.upsertInstallation(
    {
      installation_id: String(body.installation_id),
      platform: lower(body.platform),
      app_version: str(body.app_version),
      channel: str(body.channel),
      source: str(body.source),
      user_id: userId,
      metadata: metadataOf(body, INSTALLATION_FIELDS),
    },
    now,
  );
  return { status: 'recorded' as const, install_id: id, total_installs: total, recorded_at: iso(now) };
}

const ACTIVITY_FIELDS = ['installation_id', 'platform', 'app_version', 'source'] as const;

export async function recordActivity(deps: Deps, who: Reporter, body: Report) {
  const { userId, now } = await admit(deps, who);
  const activityDate = iso(now).slice(0, 10);
  const identityType = userId === null ? ('anonymous' as const) : ('user' as const);
  const total = await deps.repos.telemetry.recordActivity(
    {
      installation_id: String(body.installation_id),
      activity_date: activityDate,
      platform: lower(body.platform),
      app_version: str(body.app_version),
      source: str(body.source),
      user_id: userId,
      identity_type: identityType,
      metadata: metadataOf(body, ACTIVITY_FIELDS),
    },
    now,
  );
  return { status: 'recorded' as const, activity_date: activityDate, identity_type: identityType, total_active: total, recorded_at: iso(now) };
}

const ERROR_FIELDS = [
  'message', 'installation_id', 'app_version', 'platform', 'error_name', 'error_code', 'details', 'stack_trace', 'severity', 'email',
] as const;

export async function recordError(deps: Deps, who: Reporter, body: Report) {
  const { userId, now } = await admit(deps, who);
  let details = str(body.details);
  if (body.details !== undefined && details === null) {
    details = JSON.stringify(body.details);
    if (Buffer.byteLength(details) > METADATA_LIMIT_BYTES) throw badRequest(`details exceeds ${METADATA_LIMIT_BYTES} bytes`, '/body/details');
  }
  const id = await deps.repos.telemetry.insertError({
    installation_id: str(body.installation_id),
    user_id: userId,
    app_version: str(body.app_version),
    platform: lower(body.platform),
    error_name: str(body.error_name),
    error_code: str(body.error_code),
    message: String(body.message),
    details,
    stack_trace: str(body.stack_trace),
    severity: str(body.severity) ?? 'error',
    email: str(body.email),
    metadata: metadataOf(body, ERROR_FIELDS),
    created_at: now,
  });
  return { status: 'recorded' as const, error_id: id, created_at: iso(now) };
}

const FEEDBACK_FIELDS = ['message', 'installation_id', 'app_version', 'platform', 'category', 'rating', 'email'] as const;

export async function recordFeedback(deps: Deps, who: Reporter, body: Report) {
  const { userId, now } = await admit(deps, who);
  const id = await deps.repos.telemetry.insertFeedback({
    installation_id: str(body.installation_id),
    user_id: userId,
    app_version: str(body.app_version),
    platform: lower(body.platform),
    category: str(body.category),
    rating: typeof body.rating === 'number' ? body.rating : null,
    message: String(body.message),
    email: str(body.email),
    metadata: metadataOf(body, FEEDBACK_FIELDS),
    created_at: now,
  });
  return { status: 'recorded' as const, feedback_id: id, created_at: iso(now) };
}

export function publicNotification(n: NotificationRow) {
  return {
    id: n.id,
    title: n.title,
    message: n.message,
    level: n.level,
    url: n.url,
    platforms: n.platforms === null ? null : (JSON.parse(n.platforms) as string[]),
    starts_at: n.starts_at === null ? null : iso(n.starts_at),
    ends_at: n.ends_at === null ? null : iso(n.ends_at),
    created_at: iso(n.created_at),
  };
}

/** Active, in-window notifications, optionally only those shown on `platform`. */
export async function activeNotifications(deps: Deps, platform?: string) {
  const rows = await deps.repos.notifications.listActive(deps.clock());
  const wanted = platform?.toLowerCase();
  const notifications = rows
    .map(publicNotification)
    .filter((n) => wanted === undefined || n.platforms === null || n.platforms.includes(wanted));
  return { count: notifications.length, notifications };
}
