-- livechat-access: webhooks (issue #22, work in progress: the schema the next steps write to).
-- An organization's admins add endpoints; every change that publishes an event writes it to
-- `events` in its own batch (as the outbox does for email); a delivery per (event, endpoint) is
-- tried through the queue with doubling delays, each attempt recorded.

CREATE TABLE webhook_endpoints (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  url             TEXT NOT NULL,
  events          TEXT NOT NULL,      -- a JSON array of event type names
  secret          TEXT NOT NULL,      -- whsec_…, sealed with FACTOR_KEY
  previous_secret TEXT,               -- during a rotation: both sign until it is removed
  created_by      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  disabled_at     INTEGER,            -- by an admin, or after failing for a long stretch
  disabled_reason TEXT,
  failing_since   INTEGER             -- the first failure of the current run of failures
);
CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id, created_at);

-- What happened, in the order it happened per organization (`seq`): the receiver's reorder key.
CREATE TABLE events (
  id              TEXT PRIMARY KEY,   -- webhook-id, the same on every attempt
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  seq             INTEGER NOT NULL,
  type            TEXT NOT NULL,
  payload         TEXT NOT NULL,      -- the body as sent: {id, type, organization, seq, at, data}
  created_at      INTEGER NOT NULL,
  UNIQUE (organization_id, seq)
);

CREATE TABLE webhook_deliveries (
  event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  due_at          INTEGER NOT NULL,   -- the sweep's cue, as for the outbox
  last_at         INTEGER,
  last_status     INTEGER,            -- the receiver's HTTP status
  last_duration_ms INTEGER,
  last_error      TEXT,               -- a short excerpt, never the whole body
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, last_at);
