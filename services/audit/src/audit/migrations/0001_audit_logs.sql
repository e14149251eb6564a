-- Append-only audit log of every command and its result, one sha256 hash chain per tenant:
-- hash = sha256(prev_hash || canonical JSON of the entry), seq counts 1, 2, ... per tenant.
CREATE TABLE audit_logs (
    tenant_id        text        NOT NULL,
    seq              bigint      NOT NULL CHECK (seq > 0),
    outcome          text        NOT NULL CHECK (outcome IN ('REQUESTED', 'SUCCEEDED', 'REJECTED')),
    command_id       text        NOT NULL,
    command_name     text        NOT NULL,
    actor            jsonb       NOT NULL,
    object_type      text,
    object_id        text,
    object_reference text,
    code             text,
    reason           text,
    conversation_id  text,
    event_id         text        NOT NULL UNIQUE,  -- one entry per event: the idempotency key
    correlation_id   text        NOT NULL,
    occurred_at      timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL,
    prev_hash        text        NOT NULL,
    hash             text        NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_by_command ON audit_logs (tenant_id, command_id, seq);
CREATE INDEX audit_by_object ON audit_logs (tenant_id, object_type, object_id, seq)
    WHERE object_id IS NOT NULL;
CREATE INDEX audit_by_outcome ON audit_logs (tenant_id, outcome, seq);

-- Statement-level, so even an UPDATE/DELETE that matches no row is refused.
CREATE FUNCTION audit_logs_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER audit_logs_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_refuse_change();
