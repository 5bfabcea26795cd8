-- livechat-access: one deployment, many customer companies (organizations), each sealed from
-- the others. Every record now belongs to one organization; a single-company database moves,
-- row for row, into the organization `default`.

CREATE TABLE organizations (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,              -- in sign-in URLs: /{slug}/
  name        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at  INTEGER NOT NULL
);
INSERT INTO organizations (id, slug, name, created_at) VALUES ('default', 'default', 'Default', 0);

-- SQLite adds a column to existing rows with its default; D1 checks foreign keys, so the column
-- names its organization without a REFERENCES clause (which would require a NULL default).
ALTER TABLE users ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE sessions ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE invitations ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE conversations ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit_log ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';

CREATE INDEX users_by_organization ON users (organization_id, email_key);
CREATE INDEX conversations_by_organization ON conversations (organization_id, status, created_at);
CREATE INDEX invitations_by_organization ON invitations (organization_id, status, created_at);
CREATE INDEX audit_by_organization ON audit_log (organization_id, id);
