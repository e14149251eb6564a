-- Read model of the core's staff directory (waops.directory.staff_upserted.v1): who
-- "operations" and "managers" are when an event is for them, and a staff member's phone by
-- directory id. A staff member who left stays, inactive (past events still name them).
CREATE TABLE staff (
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    name       text        NOT NULL,
    phone      text        NOT NULL,   -- E.164
    role       text        NOT NULL,
    kind       text,
    active     boolean     NOT NULL,
    changed_at timestamptz NOT NULL,   -- the event's time: an older event never overwrites
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX staff_active_by_role ON staff (tenant_id, role) WHERE active;

-- Who reported each incident (from waops.incident.reported.v1): its later events name only
-- the author of the update, and the reporter is to hear how it goes.
CREATE TABLE incident_reporters (
    tenant_id   text        NOT NULL,
    incident_id text        NOT NULL,
    trip_id     text        NOT NULL,
    user_id     text        NOT NULL,
    name        text        NOT NULL,
    phone       text        NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, incident_id)
);
