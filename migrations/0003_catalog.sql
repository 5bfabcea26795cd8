-- livechat-access: each organization's catalog (questionnaires, extra modules, languages offered,
-- the locale of its messages), managed by its admins. Forms are read against it, so every
-- existing organization gets a catalog that already lists what its people, invitations and
-- conversations use: nothing stored becomes invalid.

ALTER TABLE organizations ADD COLUMN catalog TEXT NOT NULL
  DEFAULT '{"questionnaires":[],"modules":[],"languages":["fr"],"locale":"fr"}';
-- Bumped by every catalog change; writes validated against a catalog check it has not moved.
ALTER TABLE organizations ADD COLUMN catalog_version INTEGER NOT NULL DEFAULT 0;

-- Subqueries drop JSON's subtype, hence json(...) around each array.
UPDATE organizations SET catalog = json_object(
  'questionnaires', json((
    SELECT json_group_array(json_object('id', q, 'name', q)) FROM (
      SELECT j.value AS q FROM users u, json_each(u.access, '$.livechat.questionnaires') j
        WHERE u.organization_id = organizations.id
      UNION SELECT j.value FROM invitations i, json_each(i.access, '$.livechat.questionnaires') j
        WHERE i.organization_id = organizations.id
      UNION SELECT c.questionnaire FROM conversations c WHERE c.organization_id = organizations.id
      ORDER BY 1))),
  'modules', json((
    SELECT json_group_array(m) FROM (
      SELECT j.value AS m FROM users u, json_each(u.access, '$.modules') j
        WHERE u.organization_id = organizations.id
      UNION SELECT j.value FROM invitations i, json_each(i.access, '$.modules') j
        WHERE i.organization_id = organizations.id
      ORDER BY 1)
    WHERE m NOT IN ('livechat', 'statistics', 'history', 'users', 'settings'))),
  'languages', json((
    SELECT json_group_array(l) FROM (
      SELECT 'fr' AS l
      UNION SELECT j.value FROM users u, json_each(u.access, '$.livechat.languages') j
        WHERE u.organization_id = organizations.id
      UNION SELECT j.value FROM invitations i, json_each(i.access, '$.livechat.languages') j
        WHERE i.organization_id = organizations.id
      UNION SELECT c.language FROM conversations c WHERE c.organization_id = organizations.id
      ORDER BY 1))),
  'locale', 'fr');
