import type { Generated } from 'kysely';

export interface OAuthAuthorizationRequestsTable {
  id: string;
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string | null;
  nonce: string | null;
  code_challenge: string | null;
  /** Space-separated prompt values. */
  prompt: string;
  /** Seconds. */
  max_age: number | null;
  login_hint: string | null;
  /** JSON object of extra parameters (org_code, lang, audience, …). */
  extra: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
  /** Migration 096: JSON object of the request's UTM tags, recorded with the sign-in. */
  utm: Generated<string>;
}

/** Migration 096: completed sign-ins into applications, with their UTM tags. */
export interface SignInsTable {
  id: Generated<number>;
  user_id: number;
  client_id: string;
  organization_id: number | null;
  utm: string;
  created_at: number;
}

export interface OAuthAuthorizationCodesTable {
  code_hash: string;
  grant_ref: string;
  client_id: string;
  user_id: number;
  redirect_uri: string;
  scope: string;
  nonce: string | null;
  code_challenge: string | null;
  auth_time: number;
  /** JSON array. */
  amr: string;
  /** JSON object. */
  extra: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthConsentsTable {
  user_id: number;
  client_id: string;
  scope: string;
  created_at: number;
  updated_at: number;
}

export interface OAuthDeviceCodesTable {
  id: string;
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  scope: string;
  extra: string;
  interval_seconds: number;
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  user_id: number | null;
  auth_time: number | null;
  amr: string;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

declare module '../schema' {
  interface DB {
    oauth_authorization_requests: OAuthAuthorizationRequestsTable;
    sign_ins: SignInsTable;
    oauth_authorization_codes: OAuthAuthorizationCodesTable;
    oauth_consents: OAuthConsentsTable;
    oauth_device_codes: OAuthDeviceCodesTable;
  }
}
