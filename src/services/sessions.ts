import type { Deps } from '../deps';
import type { Session } from '../store/repositories/sessions';
import { hashToken, randomToken } from './crypto';

export interface IssuedSession {
  token: string;
  session: Session;
}

function lifetimes(deps: Deps, kind: Session['kind']) {
  const c = deps.config;
  return kind === 'browser'
    ? { idle: c.browserSessionIdleSeconds * 1000, absolute: c.browserSessionAbsoluteSeconds * 1000 }
    : { idle: c.appSessionIdleSeconds * 1000, absolute: c.appSessionAbsoluteSeconds * 1000 };
}

/** Creates a session for a user; the token (256 bits) is returned once and stored only as a hash. */
export async function createSession(
  deps: Deps,
  userId: number,
  kind: Session['kind'],
  meta: { ip?: string; userAgent?: string; amr?: string[] } = {},
): Promise<IssuedSession> {
  const now = deps.clock();
  const { idle, absolute } = lifetimes(deps, kind);
  const token = randomToken();
  const session: Session = {
    id: randomToken('ses_', 12),
    user_id: userId,
    kind,
    token_hash: hashToken(token),
    amr: JSON.stringify(meta.amr ?? ['pwd']),
    auth_time: now,
    created_at: now,
    last_seen_at: now,
    idle_expires_at: Math.min(now + idle, now + absolute),
    expires_at: now + absolute,
    revoked_at: null,
    ip: meta.ip ?? null,
    user_agent: meta.userAgent?.slice(0, 512) ?? null,
  };
  await deps.repos.sessions.insert({ ...session, amr: meta.amr ?? ['pwd'] });
  return { token, session };
}

/** Resolves a presented token to its live session (not revoked, not idle- or absolutely expired). */
export async function authenticateSession(deps: Deps, token: string, kind: Session['kind']): Promise<Session | undefined> {
  if (!token || token.length > 256) return undefined;
  const now = deps.clock();
  const session = await deps.repos.sessions.findActiveByHash(hashToken(token), now);
  if (!session || session.kind !== kind) return undefined;
  const { idle } = lifetimes(deps, kind);
  // Only write when a minute has passed, so hot paths do not write on every request.
  if (now - session.last_seen_at > 60_000) {
    await deps.repos.sessions.touch(session.id, now, Math.min(now + idle, session.expires_at));
  }
  return session;
}

export async function revokeSession(deps: Deps, sessionId: string): Promise<void> {
  await deps.repos.sessions.revoke(sessionId, deps.clock());
}

export interface SessionSummary {
  id: string;
  kind: Session['kind'];
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  ip: string | null;
  /** The session the request came with. */
  current: boolean;
}

/** How many sessions the account page lists (the most recently used). */
export const LISTED_SESSIONS = 50;

/** A user's live browser and app sessions: the current one first, then the most recently used. */
export async function listUserSessions(deps: Deps, userId: number, currentSessionId: string): Promise<{ sessions: SessionSummary[]; total: number }> {
  const { rows, total } = await deps.repos.sessions.listLiveForUser(userId, deps.clock(), LISTED_SESSIONS);
  const sessions = rows.map((s) => ({
    id: s.id,
    kind: s.kind,
    createdAt: s.created_at,
    lastSeenAt: s.last_seen_at,
    userAgent: s.user_agent,
    ip: s.ip,
    current: s.id === currentSessionId,
  }));
  sessions.sort((a, b) => Number(b.current) - Number(a.current));
  return { sessions, total };
}

export type EndSessionsOutcome = { ok: true; ended: 'session' | 'others' } | { ok: false; reason: 'missing' | 'current' | 'unknown' };

/**
 * Ends one of the user's other sessions (`end` = its id) or all but the current one (`end` = `others`).
 * The current session is ended by signing out, not here; a session that is not a live one of this
 * user is refused without saying whether it exists.
 */
export async function endUserSessions(deps: Deps, userId: number, currentSessionId: string, end: string | undefined): Promise<EndSessionsOutcome> {
  const now = deps.clock();
  if (!end) return { ok: false, reason: 'missing' };
  if (end === 'others') {
    await deps.repos.sessions.revokeAllForUserExcept(userId, currentSessionId, now);
    return { ok: true, ended: 'others' };
  }
  if (end === currentSessionId) return { ok: false, reason: 'current' };
  return (await deps.repos.sessions.revokeLiveOfUser(end, userId, now)) ? { ok: true, ended: 'session' } : { ok: false, reason: 'unknown' };
}
