-- livechat-access: each organization's live desk (conversations, presence, the queue) lives in its
-- own Durable Object (worker/src/live/); D1 stays the source of truth for people and access.
--
-- `access_version` counts the changes to what routing reads of an organization's people (access,
-- teams, catalog, sessions, presence, status). Triggers bump it in the same transaction as the
-- change, so no write path can forget; the desk compares it with the version it was built from
-- and rebuilds when it is behind (a crash between the D1 write and the desk's update included).
ALTER TABLE organizations ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER users_inserted_live AFTER INSERT ON users BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER users_changed_live
  AFTER UPDATE OF access, role, disabled, presence, session_epoch, profile, email ON users BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER users_deleted_live AFTER DELETE ON users BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = OLD.organization_id;
END;
CREATE TRIGGER sessions_started_live AFTER INSERT ON sessions BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER sessions_ended_live AFTER DELETE ON sessions BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = OLD.organization_id;
END;
CREATE TRIGGER sessions_changed_live AFTER UPDATE OF expires_at, epoch, user_id ON sessions BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER teams_changed_live AFTER UPDATE OF questionnaires ON teams BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER teams_deleted_live AFTER DELETE ON teams BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = OLD.organization_id;
END;
CREATE TRIGGER team_members_added_live AFTER INSERT ON team_members BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER team_members_removed_live AFTER DELETE ON team_members BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = OLD.organization_id;
END;
CREATE TRIGGER organizations_changed_live AFTER UPDATE OF catalog, status ON organizations BEGIN
  UPDATE organizations SET access_version = access_version + 1 WHERE id = NEW.id;
END;
