-- Inbound media: one row per provider media item, registered in the webhook's transaction
-- (state pending) and settled by the fetcher after the webhook was answered. Events carry
-- ``ref``; the provider's own id or URL is only how the fetcher gets the bytes.
CREATE TABLE media (
    ref                text        PRIMARY KEY,           -- media_<uuid hex>
    tenant_id          text        NOT NULL,
    -- No foreign key to channels: the channel registry owns that table's shape.
    channel_id         text        NOT NULL,
    provider           text        NOT NULL,
    provider_media_id  text,
    source_url         text,
    source_key         text        NOT NULL,              -- provider_media_id, else the URL
    state              text        NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'stored', 'failed', 'rejected')),
    reason             text,                              -- why failed/rejected, or last error
    declared_mime_type text,                              -- what the webhook said
    mime_type          text,                              -- what was stored
    filename           text,
    size_bytes         bigint,
    sha256             text,                              -- hex, of the stored bytes
    storage_key        text,
    attempts           integer     NOT NULL DEFAULT 0,
    -- Due time while pending; a claim pushes it out by a lease, so a fetcher that dies
    -- mid-fetch leaves the row due again for another replica.
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    settled_at         timestamptz,
    UNIQUE (provider, channel_id, source_key),
    CHECK (provider_media_id IS NOT NULL OR source_url IS NOT NULL)
);
CREATE INDEX media_due ON media (next_attempt_at) WHERE state = 'pending';
