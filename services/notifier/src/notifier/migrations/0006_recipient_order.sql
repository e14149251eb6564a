-- Per-recipient send order: each person gets their messages in the order they were queued,
-- so the dispatcher sends only a recipient's oldest pending message (adapters.outbound).
-- created_at cannot order rows queued in one transaction (now() is the same for all).
ALTER TABLE outbound_messages ADD COLUMN seq bigserial;
-- The column's default numbered existing rows in no particular order: renumber them by age.
UPDATE outbound_messages o SET seq = r.n
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM outbound_messages) r
WHERE o.id = r.id;
-- "Is there an earlier pending message to this person?" for every claim.
CREATE INDEX outbound_recipient_pending ON outbound_messages (channel_id, to_phone, seq)
    WHERE status IN ('queued', 'sending');
