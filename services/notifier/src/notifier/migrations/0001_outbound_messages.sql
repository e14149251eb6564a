-- Every message the notifier sends, through its lifecycle (queued -> sending -> sent ...).
CREATE TABLE outbound_messages (
    id                  uuid PRIMARY KEY,
    tenant_id           text        NOT NULL,
    dedupe_key          text        NOT NULL UNIQUE,  -- cause event id + template + recipient
    channel_id          text        NOT NULL,
    to_phone            text        NOT NULL,
    template            text        NOT NULL,
    language            text        NOT NULL,
    body                text        NOT NULL,
    about_type          text,
    about_id            text,
    about_reference     text,
    status              text        NOT NULL DEFAULT 'queued',
    provider            text,
    provider_message_id text,
    attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    claimed_until       timestamptz,
    error_code          integer,
    last_error          text,
    correlation_id      text        NOT NULL,
    causation_id        text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_due ON outbound_messages (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX outbound_by_provider_id ON outbound_messages (provider_message_id);
