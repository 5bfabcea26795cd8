-- livechat-access: the identity provider's own id of a person (SCIM `externalId`), kept as sent.

ALTER TABLE users ADD COLUMN external_id TEXT;
