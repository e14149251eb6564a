-- The command log: every command asked of the orchestrator, once, with its outcome.
-- The primary key makes a command idempotent: a redelivered or repeated CommandRequested
-- with the same command_id finds its row and changes nothing.
CREATE TABLE commands (
    command_id       text        PRIMARY KEY,
    tenant_id        text        NOT NULL,
    name             text        NOT NULL,
    actor            jsonb       NOT NULL,   -- {phone, role, user_id?, name?}
    args             jsonb       NOT NULL,
    conversation_id  text,
    channel_id       text,
    status           text        NOT NULL DEFAULT 'requested'
                                 CHECK (status IN ('requested', 'succeeded', 'rejected')),
    object_type      text,                   -- what a successful command made or changed
    object_id        text,
    object_reference text,
    result           jsonb,
    code             text,                   -- why it was rejected (UNKNOWN_COMMAND, ...)
    reason           text,
    event_id         text        NOT NULL,   -- the CommandRequested event that asked
    correlation_id   text        NOT NULL,
    requested_at     timestamptz NOT NULL,   -- when it was asked (the event's time)
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz
);
CREATE INDEX commands_by_conversation ON commands (tenant_id, conversation_id, requested_at);
CREATE INDEX commands_by_object ON commands (tenant_id, object_type, object_id);
