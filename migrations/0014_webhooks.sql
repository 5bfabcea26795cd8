-- livechat-access: webhooks (issue #22). An organization's admins add endpoints; every change
-- that publishes an event writes it to `events` in the same batch as the change (guarded like the
-- audit entry: a change that did not happen publishes nothing), with one pending delivery per
-- subscribed endpoint. The queue delivers; the minute's sweep queues again whatever is still owed
-- (the outbox's rule for email); each attempt is kept in `webhook_attempts`.

-- Numbers the organization's events: the receiver's reorder key.
ALTER TABLE organizations ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE webhook_endpoints (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url             TEXT NOT NULL,
  events          TEXT NOT NULL,      -- a JSON array of event type names
  secret          TEXT NOT NULL,      -- whsec_…, sealed with FACTOR_KEY
  previous_secret TEXT,               -- during a rotation: both sign until it is removed
  created_by      TEXT,
  page_url        TEXT,               -- the admin page it was made on: the link of the notice
  created_at      INTEGER NOT NULL,   -- that it was disabled
  updated_at      INTEGER NOT NULL,
  disabled_at     INTEGER,            -- by an admin, or after failing for a long stretch
  disabled_reason TEXT CHECK (disabled_reason IN ('admin', 'failing')),
  failing_since   INTEGER             -- the first failure since the last success
);
CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id, created_at);

-- What happened, numbered per organization in the order it happened.
CREATE TABLE events (
  id              TEXT PRIMARY KEY,   -- webhook-id, the same on every attempt
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL,
  type            TEXT NOT NULL,
  payload         TEXT NOT NULL,      -- the body as sent: {id, type, organization, seq, at, data}
  created_at      INTEGER NOT NULL,
  UNIQUE (organization_id, seq)
);
CREATE INDEX events_by_age ON events (created_at);

CREATE TABLE webhook_deliveries (
  event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  due_at          INTEGER NOT NULL,   -- when it may be tried (a claim pushes it past the attempt)
  last_at         INTEGER,
  last_status     INTEGER,            -- the receiver's HTTP status (null: no answer)
  last_error      TEXT,
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Every attempt: when, what the receiver answered, how long it took, what went wrong (an excerpt).
CREATE TABLE webhook_attempts (
  event_id        TEXT NOT NULL,
  endpoint_id     TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  at              INTEGER NOT NULL,
  status          INTEGER,
  duration_ms     INTEGER NOT NULL,
  error           TEXT,
  PRIMARY KEY (event_id, endpoint_id, attempt),
  FOREIGN KEY (event_id, endpoint_id) REFERENCES webhook_deliveries (event_id, endpoint_id)
    ON DELETE CASCADE
);

-- When an invitation's expiry was published (`invitation.expired`, by the minute's sweep); those
-- already expired before this migration are not announced now.
ALTER TABLE invitations ADD COLUMN expiry_noted_at INTEGER;
UPDATE invitations SET expiry_noted_at = expires_at
  WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
CREATE INDEX invitations_expiry_unnoted ON invitations (expires_at) WHERE expiry_noted_at IS NULL;
