-- livechat-access: the bearer tokens an organization's identity provider provisions its people
-- with (SCIM 2.0). Shown once when made, stored as a SHA-256 digest; revoked, never deleted, so
-- the audit log can still name them.

CREATE TABLE scim_tokens (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  name            TEXT NOT NULL,
  token_hash      TEXT NOT NULL UNIQUE,
  created_by      TEXT,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER,
  revoked_at      INTEGER
);
CREATE INDEX scim_tokens_by_organization ON scim_tokens (organization_id, created_at);
