-- Every start looks for rows still in clear (written before 0003) to seal them. Once none
-- are left these partial indexes are empty, so the look-up costs nothing however many
-- messages the tables hold (without them: a full scan of messages on every start).
CREATE INDEX actors_still_clear ON actors (tenant_id) WHERE phone IS NOT NULL;
CREATE INDEX conversations_still_clear ON conversations (id) WHERE phone IS NOT NULL;
CREATE INDEX messages_still_clear ON messages (id) WHERE body IS NOT NULL;
