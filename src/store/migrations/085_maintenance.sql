-- Housekeeping (issue 8): expired rows are pruned continuously by every server process
-- (src/services/maintenance.ts); this lease lets one process at a time do it.
-- A process claims a lease with one conditional upsert (free, or expired: its holder died mid-run)
-- and hands it back when done.
CREATE TABLE maintenance_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

-- The end of each rate-limit window, so that an ended window can be dropped whatever its length.
-- Rows written before this migration get the longest window in use (a day), conservatively.
ALTER TABLE rate_limits ADD COLUMN window_end INTEGER NOT NULL DEFAULT 0;
UPDATE rate_limits SET window_end = window_start + 86400000;
CREATE INDEX rate_limits_window_end ON rate_limits(window_end);

-- Indexes for the prune queries of tables that had none on their expiry.
-- A session's idle expiry never passes its absolute one (src/services/sessions.ts), so
-- idle_expires_at alone tells when it ended.
CREATE INDEX sessions_idle_expires ON sessions(idle_expires_at);
CREATE INDEX sessions_revoked ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX email_verifications_expires ON email_verifications(expires_at);
CREATE INDEX mfa_challenges_expires ON mfa_challenges(expires_at);
CREATE INDEX outbox_created ON outbox(created_at);
