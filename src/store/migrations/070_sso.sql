-- Tenant SSO (seed 003): one configuration per organization; the OIDC client secret sealed (secretBox).
CREATE TABLE sso_configs (
  organization_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  provider TEXT NOT NULL CHECK (provider IN ('saml', 'oidc')),
  enabled INTEGER NOT NULL DEFAULT 0,
  saml_entity_id TEXT,
  saml_sso_url TEXT,
  oidc_issuer TEXT,
  oidc_client_id TEXT,
  oidc_client_secret_sealed TEXT,
  oidc_scopes TEXT NOT NULL DEFAULT 'openid email profile',
  default_role TEXT NOT NULL DEFAULT 'member' CHECK (default_role IN ('admin', 'member')),
  allowed_domains TEXT NOT NULL DEFAULT '[]',
  auto_provision INTEGER NOT NULL DEFAULT 0,
  enforce_for_all_users INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- In-flight SSO sign-ins: looked up by the state's hash, deleted when used, expiring after 10 minutes.
CREATE TABLE sso_states (
  state_hash TEXT PRIMARY KEY,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  nonce TEXT NOT NULL,
  code_verifier_sealed TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sso_states_expires ON sso_states(expires_at);
