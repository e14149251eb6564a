-- One row per WhatsApp number the adapter receives for; events name the channel by its id.
CREATE TABLE channels (
    id              text        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    provider        text        NOT NULL,
    phone_number_id text        NOT NULL UNIQUE,
    display_name    text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The raw log: every authenticated webhook exactly as received (the signed bytes), so a
-- quarantined one can be inspected and replayed.
CREATE TABLE webhook_events (
    id           bigserial   PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    provider     text        NOT NULL,
    signature_ok boolean     NOT NULL,
    body         bytea       NOT NULL,
    headers      jsonb       NOT NULL DEFAULT '{}',
    status       text        NOT NULL DEFAULT 'processed'
                 CHECK (status IN ('processed', 'quarantined')),
    reason       text
);
CREATE INDEX webhook_events_quarantined ON webhook_events (received_at) WHERE status = 'quarantined';

-- A provider's retry of a message is recognised by its id: one row, one event.
CREATE TABLE inbound_messages (
    id                  bigserial   PRIMARY KEY,
    provider            text        NOT NULL,
    provider_message_id text        NOT NULL UNIQUE,
    channel_id          text        NOT NULL REFERENCES channels (id),
    from_phone          text        NOT NULL,
    kind                text        NOT NULL,
    sent_at             timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    webhook_event_id    bigint      NOT NULL REFERENCES webhook_events (id)
);

CREATE TABLE message_statuses (
    id                  bigserial   PRIMARY KEY,
    provider_message_id text        NOT NULL,
    status              text        NOT NULL,
    channel_id          text        NOT NULL REFERENCES channels (id),
    occurred_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    webhook_event_id    bigint      NOT NULL REFERENCES webhook_events (id),
    UNIQUE (provider_message_id, status)
);
