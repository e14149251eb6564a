-- The reference TMS: tenants, the staff directory, the catalogue and leads.
CREATE TABLE tenants (
    id         text PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Round-robin among equally loaded reps: each assignment takes the next number.
CREATE SEQUENCE staff_assignment_seq;

CREATE TABLE staff (
    id                 uuid PRIMARY KEY,
    tenant_id          text        NOT NULL REFERENCES tenants (id),
    name               text        NOT NULL,
    phone              text        NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{5,14}$'),
    role               text        NOT NULL
                       CHECK (role IN ('SALES', 'OPERATIONS', 'FIELD_STAFF', 'MANAGER')),
    kind               text,  -- for field staff: guide, driver, porter...
    active             boolean     NOT NULL DEFAULT true,
    last_assigned_seq  bigint,     -- staff_assignment_seq at this rep's latest lead
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, phone)
);

CREATE TABLE tours (
    id               uuid PRIMARY KEY,
    tenant_id        text          NOT NULL REFERENCES tenants (id),
    code             text          NOT NULL CHECK (code ~ '^[A-Z0-9]{2,8}$'),
    name             text          NOT NULL,
    aliases          text[]        NOT NULL DEFAULT '{}',
    duration_days    integer       NOT NULL CHECK (duration_days > 0),
    price_per_person numeric(12, 2) NOT NULL CHECK (price_per_person >= 0),
    currency         text          NOT NULL DEFAULT 'USD',
    active           boolean       NOT NULL DEFAULT true,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, code)
);

CREATE TABLE departures (
    id         uuid PRIMARY KEY,
    tour_id    uuid    NOT NULL REFERENCES tours (id),
    start_date date    NOT NULL,
    end_date   date    NOT NULL,
    capacity   integer NOT NULL CHECK (capacity > 0),
    CHECK (end_date >= start_date),
    UNIQUE (tour_id, start_date)
);

-- One row per tenant; UPDATE ... RETURNING takes the row lock, so numbers never repeat.
CREATE TABLE lead_reference_counters (
    tenant_id  text   PRIMARY KEY REFERENCES tenants (id),
    last_value bigint NOT NULL
);

CREATE TABLE leads (
    id              uuid PRIMARY KEY,
    tenant_id       text        NOT NULL REFERENCES tenants (id),
    reference       text        NOT NULL,
    state           text        NOT NULL DEFAULT 'NEW',
    tour_id         uuid        NOT NULL REFERENCES tours (id),
    tour_code       text        NOT NULL,
    pax             integer     NOT NULL CHECK (pax BETWEEN 1 AND 50),
    travel_month    text        CHECK (travel_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    travel_date     date,
    customer_phone  text        NOT NULL,
    customer_name   text,
    assigned_to     uuid        REFERENCES staff (id),
    conversation_id text,
    channel_id      text,
    enquiry_text    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, reference)
);
CREATE INDEX leads_open_by_rep ON leads (tenant_id, assigned_to) WHERE state = 'NEW';
CREATE INDEX leads_by_customer ON leads (tenant_id, customer_phone, created_at);

-- Idempotency-Key records: written first in the creating transaction (a concurrent request
-- with the same key waits on the primary key), completed with the response it commits with.
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
