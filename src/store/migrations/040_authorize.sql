-- OAuth 2.x / OIDC, authorization side: pending authorization requests, authorization codes,
-- remembered consents and device codes (RFC 8628). Timestamps are epoch milliseconds.
-- Codes and handles are stored as hashes only; every piece of flow state lives here, none in memory.

-- A validated /oauth/authorize request waiting for sign-in or consent. `id` is the hash of the
-- handle carried by the hosted pages (?req=…). Completed once a code (or an error) was sent back.
CREATE TABLE oauth_authorization_requests (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  state TEXT,
  nonce TEXT,
  code_challenge TEXT,
  prompt TEXT NOT NULL DEFAULT '',
  max_age INTEGER,
  login_hint TEXT,
  extra TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX oauth_authorization_requests_expires ON oauth_authorization_requests(expires_at);

-- Authorization codes: single use (used_at), bound to client, redirect URI and PKCE challenge (S256).
-- grant_ref names the tokens issued from the code, so that a replay can revoke them.
CREATE TABLE oauth_authorization_codes (
  code_hash TEXT PRIMARY KEY,
  grant_ref TEXT NOT NULL UNIQUE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  nonce TEXT,
  code_challenge TEXT,
  auth_time INTEGER NOT NULL,
  amr TEXT NOT NULL DEFAULT '[]',
  extra TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX oauth_authorization_codes_expires ON oauth_authorization_codes(expires_at);

-- Scopes a user approved for a third-party client (first-party clients never ask).
CREATE TABLE oauth_consents (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  scope TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
);

-- Device authorization (RFC 8628). device_code and user_code are stored as hashes; `interval` is
-- raised by 5 s on every slow_down; status moves pending → approved | denied → consumed.
CREATE TABLE oauth_device_codes (
  id TEXT PRIMARY KEY,
  device_code_hash TEXT NOT NULL UNIQUE,
  user_code_hash TEXT NOT NULL UNIQUE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  scope TEXT NOT NULL DEFAULT '',
  extra TEXT NOT NULL DEFAULT '{}',
  interval_seconds INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  auth_time INTEGER,
  amr TEXT NOT NULL DEFAULT '[]',
  last_polled_at INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX oauth_device_codes_expires ON oauth_device_codes(expires_at);
