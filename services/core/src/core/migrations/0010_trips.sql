-- Trips (one per departure) and the staff assignments on them.
CREATE TABLE trips (
    id             uuid PRIMARY KEY,
    tenant_id      text        NOT NULL REFERENCES tenants (id),
    departure_id   uuid        NOT NULL UNIQUE REFERENCES departures (id),
    reference      text        NOT NULL,  -- EBC-251005: tour code and start date
    state          text        NOT NULL DEFAULT 'SCHEDULED' CHECK (state IN
                   ('SCHEDULED', 'STAFF_ASSIGNED', 'STARTED', 'IN_PROGRESS', 'ENDED', 'CLOSED')),
    started_at     timestamptz,
    started_by     uuid        REFERENCES staff (id),
    in_progress_at timestamptz,
    ended_at       timestamptz,
    ended_by       uuid        REFERENCES staff (id),
    end_note       text,
    closed_at      timestamptz,
    closed_by      uuid        REFERENCES staff (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, reference)
);
CREATE INDEX trips_listing ON trips (tenant_id, state);

CREATE TABLE trip_assignments (
    id                  uuid PRIMARY KEY,
    tenant_id           text           NOT NULL REFERENCES tenants (id),
    trip_id             uuid           NOT NULL REFERENCES trips (id),
    staff_id            uuid           NOT NULL REFERENCES staff (id),
    role                text           NOT NULL
                        CHECK (role IN ('LEAD_GUIDE', 'GUIDE', 'DRIVER', 'PORTER')),
    compensation_amount numeric(12, 2) NOT NULL CHECK (compensation_amount >= 0),
    currency            text           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    state               text           NOT NULL DEFAULT 'OFFERED'
                        CHECK (state IN ('OFFERED', 'ACCEPTED', 'DECLINED')),
    -- The departure's dates, copied so double booking is one indexed range check.
    start_date          date           NOT NULL,
    end_date            date           NOT NULL,
    offered_by          uuid           REFERENCES staff (id),
    offered_at          timestamptz    NOT NULL,
    answered_at         timestamptz,
    CHECK (end_date >= start_date)
);
-- Backstops for the rules the service checks under the staff/trip row locks.
CREATE UNIQUE INDEX assignments_one_live_per_staff_and_trip
    ON trip_assignments (trip_id, staff_id) WHERE state IN ('OFFERED', 'ACCEPTED');
CREATE UNIQUE INDEX assignments_one_live_lead_guide
    ON trip_assignments (trip_id) WHERE role = 'LEAD_GUIDE' AND state IN ('OFFERED', 'ACCEPTED');
CREATE INDEX assignments_live_by_staff
    ON trip_assignments (staff_id, start_date) WHERE state IN ('OFFERED', 'ACCEPTED');
CREATE INDEX assignments_by_trip ON trip_assignments (trip_id);
