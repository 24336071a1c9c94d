-- App telemetry (seed 000): installations, daily activity, error reports, feedback, notifications;
-- and the server-administrator flag that guards notification administration.
-- `metadata` holds, as JSON text, every request property that is not a primary field.
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;

-- One row per client-chosen installation id; re-registering updates it (install_id is stable).
CREATE TABLE app_installations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  installation_id TEXT NOT NULL UNIQUE,
  platform TEXT,
  app_version TEXT,
  channel TEXT,
  source TEXT,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  reports INTEGER NOT NULL DEFAULT 1
);

-- Daily roll-up: one row per installation and UTC day (YYYY-MM-DD), counting its reports.
CREATE TABLE app_activity (
  installation_id TEXT NOT NULL,
  activity_date TEXT NOT NULL,
  platform TEXT,
  app_version TEXT,
  source TEXT,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  identity_type TEXT NOT NULL CHECK (identity_type IN ('user', 'anonymous')),
  metadata TEXT NOT NULL DEFAULT '{}',
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  reports INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (installation_id, activity_date)
);
CREATE INDEX app_activity_date ON app_activity(activity_date);

CREATE TABLE app_errors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  installation_id TEXT,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  app_version TEXT,
  platform TEXT,
  error_name TEXT,
  error_code TEXT,
  message TEXT NOT NULL,
  details TEXT,
  stack_trace TEXT,
  severity TEXT NOT NULL,
  email TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX app_errors_created ON app_errors(created_at);

CREATE TABLE app_feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  installation_id TEXT,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  app_version TEXT,
  platform TEXT,
  category TEXT,
  rating INTEGER CHECK (rating BETWEEN 1 AND 5),
  message TEXT NOT NULL,
  email TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX app_feedback_created ON app_feedback(created_at);

-- Notices shown to apps. `platforms` is a JSON array of platform names, NULL meaning every platform.
CREATE TABLE app_notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
  url TEXT,
  platforms TEXT,
  starts_at INTEGER,
  ends_at INTEGER,
  active INTEGER NOT NULL DEFAULT 1,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX app_notifications_active ON app_notifications(active);
