-- livechat-access: single sign-on with OpenID Connect (issue #23). An organization's admins
-- configure its providers; a person signs in through one once their provider's `sub` is linked
-- to them (the first time by their verified address, or created just in time when the
-- organization allows it). The flow's state, nonce and PKCE verifier live in
-- `sign_in_challenges` (purpose 'sso'), single-use and short-lived like the second step's.

CREATE TABLE sso_providers (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            TEXT NOT NULL,      -- "Se connecter avec {name}"
  preset          TEXT NOT NULL CHECK (preset IN ('generic', 'entra', 'okta', 'google')),
  tenant          TEXT,               -- the preset's tenant or domain
  issuer          TEXT NOT NULL,
  client_id       TEXT NOT NULL,
  client_secret   TEXT NOT NULL,      -- sealed with FACTOR_KEY
  email_claim     TEXT NOT NULL DEFAULT 'email',
  allowed_domains TEXT NOT NULL DEFAULT '[]',  -- a JSON array, lower-cased
  enabled         INTEGER NOT NULL DEFAULT 1,
  discovery       TEXT NOT NULL,      -- what was kept of the discovery document (JSON)
  jwks            TEXT,               -- the provider's signing keys as last fetched (JSON)
  jwks_fetched_at INTEGER,
  created_by      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX sso_providers_by_organization ON sso_providers (organization_id, created_at);

-- A provider's person (`sub`) is one person of the provider's organization, and a person has at
-- most one identity per provider.
CREATE TABLE sso_links (
  provider_id     TEXT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
  subject         TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_at       INTEGER NOT NULL,
  PRIMARY KEY (provider_id, subject),
  UNIQUE (provider_id, user_id)
);
CREATE INDEX sso_links_by_user ON sso_links (user_id);

-- The organization's policy: SSO required (local sign-in refused but to the break-glass admin),
-- and the access of people created at their first SSO sign-in (NULL: nobody is).
ALTER TABLE organizations ADD COLUMN sso_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN sso_break_glass TEXT;
ALTER TABLE organizations ADD COLUMN sso_jit_access TEXT;

-- Which provider a session came through: signing out also ends it there (RP-initiated logout).
ALTER TABLE sessions ADD COLUMN sso_provider_id TEXT;
-- Whether the provider's ID token showed a second factor (`amr`): such a session is not held to
-- enrol one here (the organization's second-factor policy counts the provider's).
ALTER TABLE sessions ADD COLUMN sso_second_factor INTEGER NOT NULL DEFAULT 0;
