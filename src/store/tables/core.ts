import type { Generated } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  public_id: string;
  email: string | null;
  email_verified: number;
  full_name: string | null;
  given_name: string | null;
  family_name: string | null;
  picture: string | null;
  credit_balance: Generated<number>;
  suspended: Generated<number>;
  created_at: number;
  updated_at: number;
  /** Migration 090 (seed 002): the id in a system the user was imported from. */
  provided_id: string | null;
  total_sign_ins: Generated<number>;
  failed_sign_ins: Generated<number>;
  last_signed_in: number | null;
  /** Set by refresh_claims: tokens issued before it are recomputed at their next refresh. */
  claims_changed_at: number | null;
  /** Migration 093: the user is to choose a new password (recorded and shown by the management API). */
  password_reset_requested: Generated<number>;
}

export interface IdentitiesTable {
  id: Generated<number>;
  user_id: number;
  type: 'email' | 'phone' | 'username' | 'upstream';
  provider: Generated<string>;
  value: string;
  verified_at: number | null;
  created_at: number;
  /** Migration 090: sign-in statistics per identity, and which identity is the user's primary. */
  total_logins: Generated<number>;
  last_login_at: number | null;
  is_primary: Generated<number>;
  /** Migration 093: the management API's id (`identity_` + 32 hex), set by a trigger when not given. */
  public_id: Generated<string>;
}

export interface CredentialsTable {
  id: Generated<number>;
  user_id: number;
  type: string;
  secret: string;
  meta: string | null;
  created_at: number;
  updated_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  kind: 'browser' | 'app';
  token_hash: string;
  amr: Generated<string>;
  auth_time: number;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface RateLimitsTable {
  bucket: string;
  window_start: number;
  /** When the window ends (migration 085): an ended window is pruned. */
  window_end: number;
  count: number;
}

declare module '../schema' {
  interface DB {
    users: UsersTable;
    identities: IdentitiesTable;
    credentials: CredentialsTable;
    sessions: SessionsTable;
    rate_limits: RateLimitsTable;
  }
}
