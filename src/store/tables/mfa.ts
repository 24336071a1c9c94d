import type { Generated } from 'kysely';

export interface MfaTotpTable {
  user_id: number;
  secret_sealed: string | null;
  pending_secret_sealed: string | null;
  enabled_at: number | null;
  last_step: number | null;
  created_at: number;
  updated_at: number;
}

export interface MfaBackupCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export type MfaFlow = 'browser' | 'app';

export interface MfaChallengesTable {
  id: string;
  token_hash: string;
  user_id: number;
  flow: MfaFlow;
  attempts: Generated<number>;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

declare module '../schema' {
  interface DB {
    mfa_totp: MfaTotpTable;
    mfa_backup_codes: MfaBackupCodesTable;
    mfa_challenges: MfaChallengesTable;
  }
}
