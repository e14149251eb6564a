-- Any kind of outbound message (text, media, template, buttons, list, mark-as-read), its
-- delivery lifecycle as the provider reports it, and channels paused by a halt.
ALTER TABLE outbound_messages ADD COLUMN kind text NOT NULL DEFAULT 'text';
ALTER TABLE outbound_messages ADD COLUMN content jsonb;  -- NULL: a text message of `body`
ALTER TABLE outbound_messages ADD COLUMN sent_at timestamptz;
ALTER TABLE outbound_messages ADD COLUMN delivered_at timestamptz;
ALTER TABLE outbound_messages ADD COLUMN read_at timestamptz;
ALTER TABLE outbound_messages ADD COLUMN failed_at timestamptz;
ALTER TABLE outbound_messages ADD COLUMN error_title text;  -- the provider's failure text

-- Every status of a message: the provider's API answer (source 'api') and each status
-- webhook (source 'webhook'). A webhook for an id no send has recorded yet is kept with
-- outbound_id NULL and attached when the send is recorded (statuses can beat the answer).
CREATE TABLE outbound_status_events (
    id                  bigserial PRIMARY KEY,
    outbound_id         uuid REFERENCES outbound_messages (id),
    provider            text,
    channel_id          text,
    provider_message_id text        NOT NULL,
    status              text        NOT NULL,
    occurred_at         timestamptz NOT NULL,
    error_code          integer,
    error_title         text,
    source              text        NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX outbound_status_once
    ON outbound_status_events (provider_message_id, status, occurred_at, source);
CREATE INDEX outbound_status_by_message ON outbound_status_events (outbound_id);
CREATE INDEX outbound_status_pending
    ON outbound_status_events (provider_message_id) WHERE outbound_id IS NULL;

-- A channel whose provider said "stop" (expired token, policy block): nothing is sent on it
-- while resumed_at is NULL; its messages wait, queued.
CREATE TABLE channel_halts (
    channel_id text PRIMARY KEY,
    provider   text,
    code       integer,
    reason     text        NOT NULL,
    halted_at  timestamptz NOT NULL DEFAULT now(),
    resumed_at timestamptz
);
