-- Seed 002's users and identities (management API): public identity ids, one primary identity per
-- type, the password-reset flag, and the indexes behind the user filters.

-- Whether the user is to choose a new password (updateUser's is_password_reset_requested, and
-- setUserPassword's is_temporary_password). Recorded and shown; no sign-in prompt acts on it yet.
ALTER TABLE users ADD COLUMN password_reset_requested INTEGER NOT NULL DEFAULT 0;

-- Identities get a public id (`identity_` + 32 hex), the management API's identity id.
ALTER TABLE identities ADD COLUMN public_id TEXT;
UPDATE identities SET public_id = 'identity_' || lower(hex(randomblob(16))) WHERE public_id IS NULL;
CREATE UNIQUE INDEX identities_public_id ON identities(public_id);

-- The first identity of each type is the user's primary one of that type, unless one already is.
UPDATE identities SET is_primary = 1
WHERE id IN (SELECT min(id) FROM identities GROUP BY user_id, type)
  AND NOT EXISTS (
    SELECT 1 FROM identities p WHERE p.user_id = identities.user_id AND p.type = identities.type AND p.is_primary = 1
  );

-- Every identity inserted anywhere (registration, SSO linking, the management API) gets a public id
-- when none was given, and becomes its type's primary when the user has none of that type yet.
CREATE TRIGGER identities_after_insert AFTER INSERT ON identities
BEGIN
  UPDATE identities SET
    public_id = coalesce(NEW.public_id, 'identity_' || lower(hex(randomblob(16)))),
    is_primary = CASE
      WHEN EXISTS (
        SELECT 1 FROM identities p WHERE p.user_id = NEW.user_id AND p.type = NEW.type AND p.is_primary = 1 AND p.id <> NEW.id
      ) THEN NEW.is_primary
      ELSE 1
    END
  WHERE id = NEW.id;
END;

-- A user's identities by type, primary first (the user views and the primary hand-over).
CREATE INDEX identities_user_type ON identities(user_id, type, is_primary);
-- active_since filters on the last sign-in.
CREATE INDEX users_last_signed_in ON users(last_signed_in) WHERE last_signed_in IS NOT NULL;
