-- Bookings, the seat holds they own, and the per-departure waitlist.
-- Seat accounting (ADR 0015): a departure's seats are counted from its live holds and open
-- waitlist offers, always under the departure row's lock (SELECT ... FOR NO KEY UPDATE), so the
-- counts cannot drift and concurrent requests for the last seats are served one at a time.
CREATE TABLE bookings (
    id               uuid PRIMARY KEY,
    tenant_id        text           NOT NULL REFERENCES tenants (id),
    reference        text           NOT NULL,
    state            text           NOT NULL CHECK (state IN ('DRAFT', 'HELD', 'PAYMENT_PENDING',
                                    'CONFIRMED', 'ACTIVE', 'COMPLETED', 'CANCELLED', 'WAITLISTED')),
    departure_id     uuid           NOT NULL REFERENCES departures (id),
    tour_id          uuid           NOT NULL REFERENCES tours (id),
    tour_code        text           NOT NULL,
    pax              integer        NOT NULL CHECK (pax BETWEEN 1 AND 50),
    customer_phone   text           NOT NULL CHECK (customer_phone ~ '^\+[1-9][0-9]{5,14}$'),
    customer_name    text,
    lead_id          uuid           REFERENCES leads (id),
    price_per_person numeric(12, 2) NOT NULL CHECK (price_per_person >= 0),
    total_amount     numeric(12, 2) NOT NULL CHECK (total_amount >= 0),
    deposit_amount   numeric(12, 2) NOT NULL CHECK (deposit_amount >= 0),
    currency         text           NOT NULL,
    cancel_reason    text,
    created_at       timestamptz    NOT NULL,
    updated_at       timestamptz    NOT NULL,
    UNIQUE (tenant_id, reference)
);
-- References are looked up with or without their dash (EBC2501234 = EBC-2501234).
CREATE UNIQUE INDEX bookings_reference_key ON bookings (tenant_id, replace(reference, '-', ''));
CREATE INDEX bookings_listing ON bookings (tenant_id, created_at, id);
CREATE INDEX bookings_by_departure ON bookings (departure_id, state);
CREATE INDEX bookings_by_customer ON bookings (tenant_id, customer_phone, created_at);

CREATE TABLE holds (
    id             uuid PRIMARY KEY,
    tenant_id      text        NOT NULL REFERENCES tenants (id),
    booking_id     uuid        NOT NULL REFERENCES bookings (id),
    departure_id   uuid        NOT NULL REFERENCES departures (id),
    pax            integer     NOT NULL CHECK (pax > 0),
    status         text        NOT NULL CHECK (status IN ('ACTIVE', 'CONFIRMED', 'RELEASED', 'EXPIRED')),
    expires_at     timestamptz,  -- NULL once confirmed: a paid seat does not expire
    override       boolean     NOT NULL DEFAULT false,  -- placed beyond capacity
    overridden_by  uuid        REFERENCES staff (id),   -- by this manager
    created_at     timestamptz NOT NULL,
    confirmed_at   timestamptz,
    released_at    timestamptz,
    release_reason text,
    CHECK (status <> 'ACTIVE' OR expires_at IS NOT NULL),
    CHECK (override = (overridden_by IS NOT NULL))
);
CREATE UNIQUE INDEX holds_live_per_booking ON holds (booking_id)
    WHERE status IN ('ACTIVE', 'CONFIRMED');
CREATE INDEX holds_seats ON holds (departure_id) WHERE status IN ('ACTIVE', 'CONFIRMED');
CREATE INDEX holds_due ON holds (expires_at) WHERE status = 'ACTIVE';

CREATE TABLE waitlist_entries (
    id               uuid PRIMARY KEY,
    tenant_id        text        NOT NULL REFERENCES tenants (id),
    departure_id     uuid        NOT NULL REFERENCES departures (id),
    booking_id       uuid        NOT NULL UNIQUE REFERENCES bookings (id),
    seq              bigint      NOT NULL,  -- order of joining; position = rank among live ones
    pax              integer     NOT NULL CHECK (pax > 0),
    status           text        NOT NULL CHECK (status IN ('WAITING', 'OFFERED', 'CONFIRMED',
                                 'DECLINED', 'EXPIRED', 'CANCELLED')),
    offered_at       timestamptz,
    offer_expires_at timestamptz,  -- while OFFERED, the offer's seats are reserved
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (departure_id, seq),
    CHECK (status <> 'OFFERED' OR offer_expires_at IS NOT NULL)
);
CREATE INDEX waitlist_in_line ON waitlist_entries (departure_id, seq)
    WHERE status IN ('WAITING', 'OFFERED');
CREATE INDEX waitlist_offers_due ON waitlist_entries (offer_expires_at) WHERE status = 'OFFERED';
