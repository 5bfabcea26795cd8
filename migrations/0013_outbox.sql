-- livechat-access: one outbox for everything that leaves. A request that owes a message writes it
-- here in the same D1 batch as the change that owes it (a rolled-back change owes nothing), then
-- puts its id on the queue. Whatever is still owed when it should have been handled (its queue
-- message lost, the Worker killed before it sent it) is put on the queue again by the scheduled
-- sweep; the delivery's own claim in D1 keeps a message from being sent twice.
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  subject         TEXT NOT NULL,     -- what it is about: the invitation or the reset link
  message         TEXT NOT NULL,     -- the queue message as JSON, sealed with FACTOR_KEY (it carries a link's token)
  created_at      INTEGER NOT NULL,
  due_at          INTEGER NOT NULL,  -- when the sweep takes it if nothing has answered for it
  done_at         INTEGER            -- sent, or nothing left to send
);
CREATE INDEX outbox_owed ON outbox (due_at) WHERE done_at IS NULL;
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;
