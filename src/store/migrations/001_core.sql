-- The identity model's core: users, identities, credentials, sessions, rate limits.
-- Timestamps are epoch milliseconds (BIGINT on PostgreSQL).
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  email TEXT,
  email_verified INTEGER NOT NULL DEFAULT 0,
  full_name TEXT,
  given_name TEXT,
  family_name TEXT,
  picture TEXT,
  credit_balance INTEGER NOT NULL DEFAULT 0,
  suspended INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Ways a user is identified: email, phone, username, or an upstream provider subject.
CREATE TABLE identities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('email', 'phone', 'username', 'upstream')),
  provider TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL,
  verified_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (type, provider, value)
);
CREATE INDEX identities_user ON identities(user_id);

-- Secrets that prove an identity: password hash, OPAQUE record, TOTP secret, backup codes.
-- Hashes or ciphertext only, never clear text.
CREATE TABLE credentials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  secret TEXT NOT NULL,
  meta TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX credentials_user_type ON credentials(user_id, type);
CREATE UNIQUE INDEX credentials_one_password ON credentials(user_id) WHERE type = 'password';

-- Browser (kendr_session cookie) and app (X-Kendr-Session) sessions. Only the token's hash is kept.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('browser', 'app')),
  token_hash TEXT NOT NULL UNIQUE,
  amr TEXT NOT NULL DEFAULT '["pwd"]',
  auth_time INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  idle_expires_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Fixed-window counters for rate limits and lockout; shared by every node through the database.
CREATE TABLE rate_limits (
  bucket TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (bucket, window_start)
);
