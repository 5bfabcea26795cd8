-- livechat-access: second factors (issue #14). Authenticator apps (TOTP), passkeys (WebAuthn),
-- recovery codes; the organization's policy; the sign-in challenges between the password and the
-- second step. A session whose person the policy requires a factor of, and who has none, may
-- only enrol one: that is read with the session on every request, not stored.

ALTER TABLE organizations ADD COLUMN second_factor_policy TEXT NOT NULL DEFAULT 'optional';

-- One authenticator app per person: pending until its first code confirms it.
CREATE TABLE totp_factors (
  user_id         TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  secret          TEXT NOT NULL,                 -- sealed with AES-256-GCM under the FACTOR_KEY secret
  confirmed_at    INTEGER,
  last_step       INTEGER,                       -- the last time step a code was accepted for
  created_at      INTEGER NOT NULL
);

CREATE TABLE passkeys (
  id              TEXT PRIMARY KEY,              -- the credential id, base64url
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  name            TEXT NOT NULL,
  credential      TEXT NOT NULL,                 -- the verifier's stored credential (public key, counter, flags)
  sign_count      INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

CREATE TABLE recovery_codes (
  digest          TEXT PRIMARY KEY,              -- SHA-256 of the normalized code (80 random bits)
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  used_at         INTEGER,
  created_at      INTEGER NOT NULL
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- Between a right password and the second step: short-lived, single-use, bound to one person of
-- one organization; a passkey ceremony's state rides along. Never a session.
CREATE TABLE sign_in_challenges (
  digest          TEXT PRIMARY KEY,              -- SHA-256 of the token the client holds
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  user_id         TEXT REFERENCES users (id) ON DELETE CASCADE,  -- NULL: a passkey sign-in without a password yet
  purpose         TEXT NOT NULL,                 -- 'second_factor', 'passkey_sign_in', 'passkey_register'
  state           TEXT,                          -- the WebAuthn ceremony's server state
  attempts        INTEGER NOT NULL DEFAULT 0,
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER
);
