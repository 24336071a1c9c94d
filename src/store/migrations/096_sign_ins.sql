-- Sign-ins into applications (issue 9: seed 002's "Analytics"): each completed authorization request
-- records who signed into which application and organization, with the UTM tags the application passed
-- (utm_source, utm_medium, utm_campaign, utm_term, utm_content). Kept 90 days (src/services/maintenance.ts).
ALTER TABLE oauth_authorization_requests ADD COLUMN utm TEXT NOT NULL DEFAULT '{}';

CREATE TABLE sign_ins (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
  -- JSON object of the request's UTM tags ({} when none).
  utm TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX sign_ins_user ON sign_ins(user_id, created_at);
CREATE INDEX sign_ins_created ON sign_ins(created_at);
