-- Seed 002's management API, part 1 (issue 9): the user and organization fields it reads and writes,
-- role-based access (roles, permissions, and their grants to organization members), feature flags with
-- their overrides, and custom properties. Public ids are prefixed strings (rol_, perm_, ff_, prop_, cat_).

-- Users: seed 002's fields, and sign-in statistics kept by real sign-ins.
ALTER TABLE users ADD COLUMN provided_id TEXT;
ALTER TABLE users ADD COLUMN total_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_signed_in INTEGER;
-- Set by refresh_claims: tokens issued before it are recomputed at their next refresh.
ALTER TABLE users ADD COLUMN claims_changed_at INTEGER;
CREATE INDEX users_created ON users(created_at, id);
CREATE INDEX users_provided_id ON users(provided_id) WHERE provided_id IS NOT NULL;

-- Identities: sign-in statistics per identity (seed 002's identity schema).
ALTER TABLE identities ADD COLUMN total_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN last_login_at INTEGER;
ALTER TABLE identities ADD COLUMN is_primary INTEGER NOT NULL DEFAULT 0;

-- Organizations: seed 002's organization fields. The personal tenants of seed 003 are organizations too.
ALTER TABLE organizations ADD COLUMN handle TEXT;
ALTER TABLE organizations ADD COLUMN external_id TEXT;
ALTER TABLE organizations ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN is_allow_registrations INTEGER NOT NULL DEFAULT 0;
-- JSON object of the branding and sender fields (colours, theme, logo, sender name/email).
ALTER TABLE organizations ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE organizations ADD COLUMN updated_at INTEGER;
CREATE UNIQUE INDEX organizations_handle ON organizations(handle) WHERE handle IS NOT NULL;
CREATE INDEX organizations_created ON organizations(created_at, id);
CREATE INDEX organizations_name ON organizations(name, id);
CREATE INDEX memberships_organization_created ON memberships(organization_id, created_at, user_id);

-- Role-based access: roles carry permissions; organization members hold roles and direct permissions.
CREATE TABLE roles (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  -- Given to new members of an organization that admits registrations.
  is_default_role INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX roles_name ON roles(name, id);

CREATE TABLE permissions (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX permissions_name ON permissions(name, id);

CREATE TABLE role_permissions (
  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  permission_id TEXT NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission ON role_permissions(permission_id);

-- Leaving an organization (the membership row goes) takes its roles and permissions along.
CREATE TABLE membership_roles (
  organization_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, user_id, role_id),
  FOREIGN KEY (user_id, organization_id) REFERENCES memberships(user_id, organization_id) ON DELETE CASCADE
);
CREATE INDEX membership_roles_member ON membership_roles(user_id, organization_id);
CREATE INDEX membership_roles_role ON membership_roles(role_id);

CREATE TABLE membership_permissions (
  organization_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  permission_id TEXT NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, user_id, permission_id),
  FOREIGN KEY (user_id, organization_id) REFERENCES memberships(user_id, organization_id) ON DELETE CASCADE
);
CREATE INDEX membership_permissions_member ON membership_permissions(user_id, organization_id);
CREATE INDEX membership_permissions_permission ON membership_permissions(permission_id);

-- Feature flags: a default value, overridden per environment, organization or user where allowed.
CREATE TABLE feature_flags (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL CHECK (type IN ('str', 'int', 'bool')),
  -- The narrowest level whose override counts: env, org or usr, each with the wider ones (null: none).
  allow_override_level TEXT CHECK (allow_override_level IN ('env', 'org', 'usr')),
  -- Values are stored as text and typed by `type` (bool: 'true'/'false', int: decimal).
  default_value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE environment_feature_flags (
  flag_id TEXT PRIMARY KEY REFERENCES feature_flags(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE organization_feature_flags (
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  flag_id TEXT NOT NULL REFERENCES feature_flags(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, flag_id)
);
CREATE INDEX organization_feature_flags_flag ON organization_feature_flags(flag_id);

CREATE TABLE user_feature_flags (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  flag_id TEXT NOT NULL REFERENCES feature_flags(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, flag_id)
);
CREATE INDEX user_feature_flags_flag ON user_feature_flags(flag_id);

-- Custom properties of users and organizations (and applications, issue 10), grouped in categories.
CREATE TABLE property_categories (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  context TEXT NOT NULL CHECK (context IN ('org', 'usr', 'app')),
  created_at INTEGER NOT NULL
);

CREATE TABLE properties (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL CHECK (type IN ('single_line_text', 'multi_line_text')),
  context TEXT NOT NULL CHECK (context IN ('org', 'usr', 'app')),
  -- Private properties never reach a token.
  is_private INTEGER NOT NULL DEFAULT 0,
  is_kinde_property INTEGER NOT NULL DEFAULT 0,
  category_id TEXT REFERENCES property_categories(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX properties_category ON properties(category_id);

CREATE TABLE user_property_values (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  property_id TEXT NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, property_id)
);
CREATE INDEX user_property_values_property ON user_property_values(property_id);

CREATE TABLE organization_property_values (
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  property_id TEXT NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, property_id)
);
CREATE INDEX organization_property_values_property ON organization_property_values(property_id);
