-- Incidents on trips with their updates, and the payroll entries trips earn their crew.
CREATE TABLE incidents (
    id            uuid PRIMARY KEY,
    tenant_id     text        NOT NULL REFERENCES tenants (id),
    trip_id       uuid        NOT NULL REFERENCES trips (id),
    severity      text        NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    state         text        NOT NULL DEFAULT 'OPEN'
                  CHECK (state IN ('OPEN', 'IN_PROGRESS', 'RESOLVED')),
    text          text        NOT NULL,
    reported_by   uuid        NOT NULL REFERENCES staff (id),
    reported_at   timestamptz NOT NULL,
    resolved_at   timestamptz,
    resolved_by   uuid        REFERENCES staff (id),
    updated_at    timestamptz NOT NULL
);
CREATE INDEX incidents_listing ON incidents (tenant_id, trip_id, state);

CREATE TABLE incident_updates (
    id          uuid PRIMARY KEY,
    incident_id uuid        NOT NULL REFERENCES incidents (id),
    author_id   uuid        NOT NULL REFERENCES staff (id),
    text        text        NOT NULL,
    state_from  text        NOT NULL,
    state_to    text        NOT NULL,
    created_at  timestamptz NOT NULL,
    seq         bigserial   -- orders updates written within the same instant
);
CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, created_at, seq);

-- One entry per accepted assignment when its trip ends (the unique key makes it once only).
CREATE TABLE payroll_entries (
    id            uuid PRIMARY KEY,
    tenant_id     text           NOT NULL REFERENCES tenants (id),
    assignment_id uuid           NOT NULL UNIQUE REFERENCES trip_assignments (id),
    trip_id       uuid           NOT NULL REFERENCES trips (id),
    staff_id      uuid           NOT NULL REFERENCES staff (id),
    role          text           NOT NULL,
    amount        numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency      text           NOT NULL,
    earned_at     timestamptz    NOT NULL
);
CREATE INDEX payroll_by_staff ON payroll_entries (tenant_id, staff_id, earned_at, id);
CREATE INDEX payroll_by_time ON payroll_entries (tenant_id, earned_at, id);
