-- The conversation engine's tables: two read models of the core (staff directory, tour
-- catalogue) and the conversations with their messages.
--
-- TODO(encryption): messages.body and the phone columns (actors.phone, conversations.phone)
-- are stored in clear in this first slice. A later issue encrypts them at rest (per-tenant
-- data key; phones looked up through a keyed hash column instead of the clear value).

-- Read model of the core's staff directory: a phone found here is staff, any other is a
-- customer. Filled from waops.directory.staff_upserted.v1.
CREATE TABLE actors (
    tenant_id  text        NOT NULL,
    phone      text        NOT NULL,          -- E.164
    user_id    text        NOT NULL,
    name       text        NOT NULL,
    role       text        NOT NULL,
    kind       text,
    active     boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, phone)
);
CREATE INDEX actors_by_user ON actors (tenant_id, user_id);

-- Read model of the core's tour catalogue, for the enquiry matcher.
-- Filled from waops.catalogue.tour_upserted.v1.
CREATE TABLE tours (
    tenant_id  text        NOT NULL,
    tour_id    text        NOT NULL,
    code       text        NOT NULL,
    name       text        NOT NULL,
    aliases    text[]      NOT NULL DEFAULT '{}',
    active     boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code)
);
CREATE INDEX tours_by_id ON tours (tenant_id, tour_id);

-- One conversation per (tenant, channel, phone) is OPEN at a time; it lives for the
-- customer-service window after the last inbound message, then the next message starts a
-- new one (the old one becomes EXPIRED).
CREATE TABLE conversations (
    id                       uuid        PRIMARY KEY,
    tenant_id                text        NOT NULL,
    channel_id               text        NOT NULL,
    phone                    text        NOT NULL,   -- E.164
    actor_role               text        NOT NULL,
    profile_name             text,
    state                    text        NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'EXPIRED')),
    bound_object_type        text,
    bound_object_id          text,
    bound_reference          text,
    previous_conversation_id uuid REFERENCES conversations (id),
    started_at               timestamptz NOT NULL,
    last_inbound_at          timestamptz NOT NULL,
    expires_at               timestamptz NOT NULL
);
CREATE UNIQUE INDEX conversations_one_open
    ON conversations (tenant_id, channel_id, phone) WHERE state = 'OPEN';
CREATE INDEX conversations_by_phone ON conversations (tenant_id, phone, started_at DESC);

-- Every message of a conversation; id order is handling order (one partition per
-- conversation key keeps it the arrival order).
CREATE TABLE messages (
    id                  bigserial   PRIMARY KEY,
    conversation_id     uuid        NOT NULL REFERENCES conversations (id),
    direction           text        NOT NULL CHECK (direction IN ('in', 'out')),
    provider_message_id text        UNIQUE,      -- a provider's retry is recorded once
    kind                text        NOT NULL,
    body                text,                    -- TODO(encryption): see above
    sent_at             timestamptz,             -- the provider's timestamp
    received_at         timestamptz NOT NULL     -- when waops accepted it (the event time)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
