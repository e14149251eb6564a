-- Idempotency-Key records of the admin API (the API kit's store, waops_service_kit.api):
-- a key is claimed in a transaction held around the call and completed with its answer.
-- tenant_id is '' where the API is not tenant-scoped.
CREATE TABLE idempotency_keys (
    tenant_id       text        NOT NULL,
    key             text        NOT NULL,
    request_hash    text        NOT NULL,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
