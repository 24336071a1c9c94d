import type { Generated } from 'kysely';

export interface OrganizationsTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: 'playground' | 'standard';
  created_at: number;
  /** Migration 090 (seed 002). */
  handle: string | null;
  external_id: string | null;
  is_default: Generated<number>;
  is_allow_registrations: Generated<number>;
  /** JSON object: branding and sender fields. */
  settings: Generated<string>;
  updated_at: number | null;
}

export interface MembershipsTable {
  user_id: number;
  organization_id: number;
  role: 'admin' | 'member';
  created_at: number;
}

export interface EmailVerificationsTable {
  id: Generated<number>;
  user_id: number;
  email: string;
  token_hash: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  organization_id: number;
  user_id: number;
  name: string;
  prefix: string;
  key_hash: string;
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  body_text: string;
  created_at: number;
}

declare module '../schema' {
  interface DB {
    organizations: OrganizationsTable;
    memberships: MembershipsTable;
    email_verifications: EmailVerificationsTable;
    api_keys: ApiKeysTable;
    outbox: OutboxTable;
  }
}
