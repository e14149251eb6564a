-- What the engine knows about one person (tenant + phone) across conversations: their role,
-- the business object they deal with now, and where the dialogue with them stands. A
-- conversation ends with the customer-service window; the context outlives it.
--
-- The phone is stored sealed (Fernet, WAOPS_CONVERSATION_KEYS) and found through its blind
-- index (HMAC-SHA256 under WAOPS_CONVERSATION_INDEX_KEY): no clear phone is kept here.
CREATE TABLE contexts (
    tenant_id         text        NOT NULL,
    phone_index       bytea       NOT NULL,
    phone_sealed      bytea       NOT NULL,
    channel_id        text,                    -- where they last wrote from
    conversation_id   uuid        REFERENCES conversations (id),  -- their latest conversation
    actor_role        text        NOT NULL DEFAULT 'CUSTOMER',
    name              text,
    bound_object_type text        CHECK (bound_object_type IN
                                         ('LEAD', 'BOOKING', 'TRIP', 'PAYMENT', 'INCIDENT')),
    bound_object_id   text,
    bound_reference   text,
    dialogue_state    text        NOT NULL DEFAULT 'menu',
    -- Facts the business told (quote, booking, lead, offers; each with the time of its
    -- event) and the dialogue's scratch (an enquiry being collected).
    dialogue_data     jsonb       NOT NULL DEFAULT '{}',
    -- The time of the latest message or event that changed it (never the wall clock).
    updated_at        timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (tenant_id, phone_index)
);
