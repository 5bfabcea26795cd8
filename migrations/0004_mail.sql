-- livechat-access: email that arrives. Each invitation records the delivery of its latest link
-- (the outbox is a Queue; its consumer writes the outcome here), and forgotten passwords get
-- single-use reset links, hashed at rest like invitation tokens.

ALTER TABLE invitations ADD COLUMN delivery TEXT NOT NULL DEFAULT 'none'
  CHECK (delivery IN ('none', 'queued', 'sending', 'sent', 'failed'));
ALTER TABLE invitations ADD COLUMN delivery_id TEXT;           -- the message of the latest link
ALTER TABLE invitations ADD COLUMN delivery_error TEXT;        -- why the last attempt failed
ALTER TABLE invitations ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN delivery_at INTEGER;        -- when it last changed

CREATE TABLE password_resets (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash      TEXT NOT NULL UNIQUE,                  -- SHA-256 of the link's token
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER,
  delivery        TEXT NOT NULL DEFAULT 'queued' CHECK (delivery IN ('queued', 'sending', 'sent', 'failed')),
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  delivery_at     INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at);
