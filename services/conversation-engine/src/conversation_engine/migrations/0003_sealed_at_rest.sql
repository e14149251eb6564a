-- Phones and message bodies encrypted at rest (0001's TODO): each phone column gets its
-- sealed value (Fernet, WAOPS_CONVERSATION_KEYS) and a blind index (HMAC-SHA256 under
-- WAOPS_CONVERSATION_INDEX_KEY) through which it is looked up; message bodies are sealed.
--
-- Keys are not available to SQL: rows written before this migration keep their clear
-- values until the service seals them at start, before it consumes anything
-- (adapters/legacy.py), and then empties the clear columns. New rows never write them.

ALTER TABLE actors DROP CONSTRAINT actors_pkey;
ALTER TABLE actors
    ADD COLUMN phone_index  bytea,
    ADD COLUMN phone_sealed bytea,
    ALTER COLUMN phone DROP NOT NULL,
    ADD CONSTRAINT actors_phone_kept CHECK (
        phone IS NOT NULL OR (phone_index IS NOT NULL AND phone_sealed IS NOT NULL));
CREATE UNIQUE INDEX actors_by_phone ON actors (tenant_id, phone_index);

ALTER TABLE conversations
    ADD COLUMN phone_index  bytea,
    ADD COLUMN phone_sealed bytea,
    ALTER COLUMN phone DROP NOT NULL,
    ADD CONSTRAINT conversations_phone_kept CHECK (
        phone IS NOT NULL OR (phone_index IS NOT NULL AND phone_sealed IS NOT NULL));
DROP INDEX conversations_one_open;
DROP INDEX conversations_by_phone;
CREATE UNIQUE INDEX conversations_one_open
    ON conversations (tenant_id, channel_id, phone_index) WHERE state = 'OPEN';
CREATE INDEX conversations_by_phone ON conversations (tenant_id, phone_index, started_at DESC);

ALTER TABLE messages ADD COLUMN body_sealed bytea;
