-- Read model of the core's staff directory (from waops.directory.staff_upserted.v1): the
-- back-office API takes the acting staff member's role and name from here.
CREATE TABLE staff (
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    phone      text        NOT NULL,
    name       text        NOT NULL,
    role       text        NOT NULL,
    kind       text,
    active     boolean     NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- How the back-office API answers a rejected command (403 for a role or object refusal,
-- the core's status for its refusals), so a retried request gets the first answer again.
ALTER TABLE commands ADD COLUMN refusal_status smallint;

-- A choice a command made before changing anything in the core ("the guide's only pending
-- offer", "the trip's latest open incident"), committed on its own: a redelivered command
-- acts on the same object again (and the core replays it) even if the first choice's object
-- has changed since.
CREATE TABLE command_choices (
    command_id text        NOT NULL,
    step       text        NOT NULL,
    value      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (command_id, step)
);
