import type { Deps } from '../deps';
import { mfaStatus } from './mfa';
import { listUserSessions, type SessionSummary } from './sessions';

export interface AccountOverview {
  email: string | null;
  fullName: string | null;
  mfa: { enabled: boolean; backupCodesLeft: number };
  sessions: SessionSummary[];
  /** All live sessions, listed or not. */
  totalSessions: number;
}

/** What the account page shows of the signed-in user; undefined when the user no longer exists. */
export async function accountOverview(deps: Deps, userId: number, currentSessionId: string): Promise<AccountOverview | undefined> {
  const user = await deps.repos.users.findById(userId);
  if (!user) return undefined;
  const [mfa, { sessions, total }] = await Promise.all([mfaStatus(deps, userId), listUserSessions(deps, userId, currentSessionId)]);
  return { email: user.email, fullName: user.full_name, mfa, sessions, totalSessions: total };
}
