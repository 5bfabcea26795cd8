-- livechat-access: the provider a second step follows (issue #23's mends). A second step after a
-- provider's sign-in that showed no second factor opens a session that came through that
-- provider (signing out reaches it). Its own column: `state` holds the WebAuthn challenge of a
-- passkey answering the same step.
ALTER TABLE sign_in_challenges ADD COLUMN sso_provider_id TEXT;
