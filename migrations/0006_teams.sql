-- livechat-access: teams, named sets of people that grant their members questionnaires (an
-- agent is eligible for their own questionnaires and their teams'). SCIM's Groups map onto them.

CREATE TABLE teams (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  name            TEXT NOT NULL,
  questionnaires  TEXT NOT NULL DEFAULT '[]',    -- JSON array of the catalog's questionnaire ids
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (organization_id, name)
);

CREATE TABLE team_members (
  team_id         TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);
