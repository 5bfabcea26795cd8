-- livechat-access: how an identity provider names a person, beside the login address. A SCIM
-- `userName` need not be an address (Entra's userPrincipalName, Okta's login); `emails` are kept
-- as sent while they hold the login address; `locale` is the language the product writes to
-- them in. All three stay NULL for people added on the page (their userName is their address).

ALTER TABLE users ADD COLUMN user_name TEXT;
ALTER TABLE users ADD COLUMN user_name_key TEXT;   -- lower-cased userName: unique per organization
ALTER TABLE users ADD COLUMN emails TEXT;          -- JSON array of {value, type?, primary?}
ALTER TABLE users ADD COLUMN locale TEXT;
CREATE UNIQUE INDEX users_by_user_name ON users (organization_id, user_name_key)
  WHERE user_name_key IS NOT NULL;

-- The identity provider's id of a team (SCIM Group `externalId`), kept as sent.
ALTER TABLE teams ADD COLUMN external_id TEXT;

-- Whether people an identity provider creates without a password get the activation email
-- (1, the default) or sign in some other way the company arranges (0: single sign-on, say).
ALTER TABLE organizations ADD COLUMN scim_activation_emails INTEGER NOT NULL DEFAULT 1;
