-- OAuth 2.x / OIDC, token side: applications (clients), signing keys, issued tokens.
-- Timestamps are epoch milliseconds. Secrets are hashed (client secrets, tokens) or sealed (private keys).

-- Applications. JSON columns hold arrays of strings; default_scopes is space-separated.
CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('public', 'confidential')),
  secret_hash TEXT,
  redirect_uris TEXT NOT NULL DEFAULT '[]',
  logout_uris TEXT NOT NULL DEFAULT '[]',
  grant_types TEXT NOT NULL DEFAULT '[]',
  default_scopes TEXT NOT NULL DEFAULT '',
  token_format TEXT NOT NULL DEFAULT 'jwt' CHECK (token_format IN ('jwt', 'opaque')),
  first_party INTEGER NOT NULL DEFAULT 0,
  audiences TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  CHECK (type = 'public' OR secret_hash IS NOT NULL)
);

-- RS256 signing keys. The newest key without retired_at signs; a retired key stays in the
-- JWKS until expires_at (retirement + the longest access-token lifetime).
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL DEFAULT 'RS256',
  public_jwk TEXT NOT NULL,
  private_sealed TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER,
  expires_at INTEGER
);

-- Every issued access and refresh token. Opaque tokens and refresh tokens are found by
-- token_hash; JWT access tokens by id (= jti) so that they can be revoked as well.
-- family_id groups a refresh-token chain and the access tokens issued from it;
-- grant_ref names the authorization code (or device code) the family came from.
CREATE TABLE oauth_tokens (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  format TEXT NOT NULL CHECK (format IN ('jwt', 'opaque')),
  token_hash TEXT UNIQUE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  scope TEXT NOT NULL DEFAULT '',
  audience TEXT NOT NULL DEFAULT '[]',
  family_id TEXT NOT NULL,
  grant_ref TEXT,
  auth_time INTEGER,
  amr TEXT NOT NULL DEFAULT '[]',
  extra TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  idle_expires_at INTEGER,
  used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX oauth_tokens_family ON oauth_tokens(family_id);
CREATE INDEX oauth_tokens_grant_ref ON oauth_tokens(grant_ref) WHERE grant_ref IS NOT NULL;
CREATE INDEX oauth_tokens_user ON oauth_tokens(user_id) WHERE user_id IS NOT NULL;
CREATE INDEX oauth_tokens_expires ON oauth_tokens(expires_at);
