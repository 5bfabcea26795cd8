-- livechat-access: one deployment, many customer companies (organizations), each sealed from
-- the others. Every record now belongs to one organization; a single-company database moves,
-- row for row, into the organization `default`. An address is unique per organization: the same
-- person may hold accounts in two companies.

CREATE TABLE organizations (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,              -- in sign-in addresses: /{slug}/
  name        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at  INTEGER NOT NULL
);
INSERT INTO organizations (id, slug, name, created_at) VALUES ('default', 'default', 'Default', 0);

-- users' address key was unique across the table; it becomes unique per organization, which
-- SQLite can only do by rebuilding the table. The tables that refer to users are rebuilt with it,
-- children dropped before their parent, so that no ON DELETE action fires on the way.
CREATE TABLE users_new (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  email           TEXT NOT NULL,
  email_key       TEXT NOT NULL,                 -- lower-cased address: one account per email and organization
  password_hash   TEXT NOT NULL,                 -- argon2id PHC string
  role            TEXT NOT NULL CHECK (role IN ('agent', 'manager', 'admin')),
  access          TEXT NOT NULL,                 -- JSON: {role, modules, livechat}
  profile         TEXT NOT NULL,                 -- JSON: {firstName, lastName, pseudonym, avatarUrl, timeZone}
  disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  presence        TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'offline')),
  last_assigned_at INTEGER,
  session_epoch   INTEGER NOT NULL DEFAULT 0,    -- bumped to end every session (role change, disable)
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (organization_id, email_key)
);
INSERT INTO users_new (id, organization_id, email, email_key, password_hash, role, access, profile,
    disabled, presence, last_assigned_at, session_epoch, created_at, updated_at)
  SELECT id, 'default', email, email_key, password_hash, role, access, profile,
    disabled, presence, last_assigned_at, session_epoch, created_at, updated_at FROM users;

CREATE TABLE sessions_new (
  token_hash      TEXT PRIMARY KEY,              -- SHA-256 of the bearer token; the token is never stored
  organization_id TEXT NOT NULL,
  user_id         TEXT NOT NULL REFERENCES users_new (id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL,              -- must equal users.session_epoch
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
);
INSERT INTO sessions_new (token_hash, organization_id, user_id, epoch, created_at, expires_at)
  SELECT token_hash, 'default', user_id, epoch, created_at, expires_at FROM sessions;

CREATE TABLE conversations_new (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  questionnaire   TEXT NOT NULL,
  language        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('waiting', 'assigned', 'closed')),
  assigned_to     TEXT REFERENCES users_new (id) ON DELETE SET NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
INSERT INTO conversations_new (id, organization_id, questionnaire, language, channel, status,
    assigned_to, created_at, updated_at)
  SELECT id, 'default', questionnaire, language, channel, status, assigned_to, created_at, updated_at
  FROM conversations;

DROP TABLE sessions;
DROP TABLE conversations;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;            -- the children's references follow the rename
ALTER TABLE sessions_new RENAME TO sessions;
ALTER TABLE conversations_new RENAME TO conversations;

CREATE INDEX users_by_role ON users (organization_id, role, email_key);
CREATE INDEX users_online ON users (organization_id, presence, disabled);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX conversations_by_agent ON conversations (assigned_to, status);
CREATE INDEX conversations_waiting ON conversations (organization_id, status, created_at);

-- Invitations and the audit log gain their organization in place.
ALTER TABLE invitations ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit_log ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'default';
-- At most one live invitation per address and organization.
DROP INDEX invitations_one_pending;
CREATE UNIQUE INDEX invitations_one_pending ON invitations (organization_id, email_key) WHERE status = 'pending';
DROP INDEX invitations_by_status;
CREATE INDEX invitations_by_status ON invitations (organization_id, status, created_at);
CREATE INDEX audit_by_organization ON audit_log (organization_id, id);
