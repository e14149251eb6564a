-- A probe table for the messaging kit's own tests (effects a handler makes).
CREATE TABLE kit_effects (
    id        bigserial PRIMARY KEY,
    event_id  text NOT NULL,
    key       text NOT NULL,
    seq       integer NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now()
);
