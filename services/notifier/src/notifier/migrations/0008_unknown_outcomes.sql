-- (Numbered 0008: 0007 is the idempotency keys of the notifier's API. Written to be re-runnable,
-- as a development database may have applied it under its first name.)
-- A send whose outcome is unknown (its sender's lease ran out: it died or could not record
-- what the provider answered) is 'unknown', never re-sent blindly: a status webhook that
-- names it (the send's client reference) reconciles it, or, with no word from the provider
-- after a while, it is queued again (ADR 0026).
ALTER TABLE outbound_messages ADD COLUMN IF NOT EXISTS unknown_since timestamptz;
-- What the send told the provider to echo back in its status webhooks (our outbound id).
ALTER TABLE outbound_status_events ADD COLUMN IF NOT EXISTS client_reference text;
CREATE INDEX IF NOT EXISTS outbound_status_by_reference ON outbound_status_events (client_reference)
    WHERE outbound_id IS NULL AND client_reference IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbound_leased ON outbound_messages (claimed_until) WHERE status = 'sending';
CREATE INDEX IF NOT EXISTS outbound_unknown ON outbound_messages (unknown_since) WHERE status = 'unknown';
-- An unknown send still holds back the person's later messages: order before speed.
DROP INDEX IF EXISTS outbound_recipient_pending;
CREATE INDEX outbound_recipient_pending ON outbound_messages (channel_id, to_phone, seq)
    WHERE status IN ('queued', 'sending', 'unknown');
