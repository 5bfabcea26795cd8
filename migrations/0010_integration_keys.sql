-- livechat-access: integration keys (issue #20). The vendor's other services (the chat box, chat
-- servers) act inside one organization with a key and its scopes. Shown once when made, stored as
-- a SHA-256 digest with its first characters for recognition; revoked, never deleted, so the audit
-- log can still name them.

CREATE TABLE integration_keys (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  name            TEXT NOT NULL,
  scopes          TEXT NOT NULL,                 -- a JSON array of scope names
  key_hash        TEXT NOT NULL UNIQUE,
  hint            TEXT NOT NULL,                 -- `lca_live_` and the next 4 characters
  created_by      TEXT,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER,
  revoked_at      INTEGER
);
CREATE INDEX integration_keys_by_organization ON integration_keys (organization_id, created_at);
