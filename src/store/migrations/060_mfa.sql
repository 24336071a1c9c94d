-- TOTP multi-factor authentication (seed 003).
-- One enrolment per user. Secrets are sealed with the master key (secretBox, AAD bound to the user);
-- `pending_secret_sealed` holds the secret from `setup` until `enable` proves it with a code.
-- `last_step` is the highest TOTP time step accepted: a code at or before it is refused (replay).
CREATE TABLE mfa_totp (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_sealed TEXT,
  pending_secret_sealed TEXT,
  enabled_at INTEGER,
  last_step INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Backup codes of the active enrolment: keyed hashes (HMAC with the user's TOTP secret), single use.
CREATE TABLE mfa_backup_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, code_hash)
);

-- Second-factor challenges issued by a password sign-in for a user with MFA on: the token's hash
-- only, short-lived, single use, bound to the flow that will receive the session (browser or app).
CREATE TABLE mfa_challenges (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  flow TEXT NOT NULL CHECK (flow IN ('browser', 'app')),
  attempts INTEGER NOT NULL DEFAULT 0,
  ip TEXT,
  user_agent TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX mfa_challenges_user ON mfa_challenges(user_id);
