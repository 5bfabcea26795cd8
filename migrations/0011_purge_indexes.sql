-- livechat-access: the scheduled purge (worker/src/purge.rs) finds what expired by an index, not
-- by reading every row of the table each half hour.

CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS sign_in_challenges_by_expiry ON sign_in_challenges (expires_at);
CREATE INDEX IF NOT EXISTS password_resets_by_expiry ON password_resets (expires_at);
CREATE INDEX IF NOT EXISTS login_failures_by_window ON login_failures (window_start);
CREATE INDEX IF NOT EXISTS invitations_by_expiry ON invitations (expires_at);
