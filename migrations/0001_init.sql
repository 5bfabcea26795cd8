-- livechat-access: users, sessions, invitations, conversations and the audit log.
-- D1 is the source of truth; KV only holds invitation tokens for fast, expiring look-ups.

CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  email           TEXT NOT NULL,
  email_key       TEXT NOT NULL UNIQUE,          -- lower-cased address: one account per email
  password_hash   TEXT NOT NULL,                 -- argon2id PHC string
  role            TEXT NOT NULL CHECK (role IN ('agent', 'manager', 'admin')),
  access          TEXT NOT NULL,                 -- JSON: {role, modules, livechat}
  profile         TEXT NOT NULL,                 -- JSON: {firstName, lastName, pseudonym, avatarUrl, timeZone}
  disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  presence        TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'offline')),
  last_assigned_at INTEGER,
  session_epoch   INTEGER NOT NULL DEFAULT 0,    -- bumped to end every session (role change, disable)
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX users_by_role ON users (role, email_key);
CREATE INDEX users_online ON users (presence, disabled);

CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,                  -- SHA-256 of the bearer token; the token is never stored
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL,                  -- must equal users.session_epoch
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE invitations (
  id          TEXT PRIMARY KEY,
  email       TEXT NOT NULL,
  email_key   TEXT NOT NULL,
  role        TEXT NOT NULL,
  access      TEXT NOT NULL,                     -- JSON, as users.access
  token_hash  TEXT NOT NULL UNIQUE,
  invited_by  TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  accepted_at INTEGER,
  user_id     TEXT
);
-- At most one live invitation per address.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (email_key) WHERE status = 'pending';
CREATE INDEX invitations_by_status ON invitations (status, created_at);

CREATE TABLE conversations (
  id            TEXT PRIMARY KEY,
  questionnaire TEXT NOT NULL,
  language      TEXT NOT NULL,
  channel       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('waiting', 'assigned', 'closed')),
  assigned_to   TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_by_agent ON conversations (assigned_to, status);
CREATE INDEX conversations_waiting ON conversations (status, created_at);

CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  actor_id  TEXT,
  action    TEXT NOT NULL,                        -- created, invited, accepted, changed, disabled, removed, revoked…
  target_id TEXT,
  target_email TEXT,
  before    TEXT,                                 -- JSON access before, when it changed
  after     TEXT                                  -- JSON access after
);

CREATE TABLE login_failures (
  key          TEXT PRIMARY KEY,                  -- 'email:<address>' or 'client:<ip>'
  count        INTEGER NOT NULL,
  window_start INTEGER NOT NULL
);
