-- One timeline per business object: every event that touched it, in order.
CREATE TABLE timeline_entries (
    id             bigserial PRIMARY KEY,
    tenant_id      text        NOT NULL,
    object_type    text        NOT NULL,
    object_id      text        NOT NULL,
    event_id       text        NOT NULL,
    event_type     text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    summary        text        NOT NULL,
    data           jsonb       NOT NULL,
    correlation_id text        NOT NULL,
    UNIQUE (event_id, object_type, object_id)
);
CREATE INDEX timeline_by_object ON timeline_entries (tenant_id, object_type, object_id, occurred_at, id);
