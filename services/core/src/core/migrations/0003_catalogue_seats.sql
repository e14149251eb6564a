-- Catalogue: a tour's deposit rule; a departure's price override, status and version.
ALTER TABLE tours
    ADD COLUMN deposit_kind  text          NOT NULL DEFAULT 'PERCENT'
                             CHECK (deposit_kind IN ('PERCENT', 'FIXED')),
    ADD COLUMN deposit_value numeric(12, 2) NOT NULL DEFAULT 30 CHECK (deposit_value >= 0),
    ADD CONSTRAINT tours_deposit_percent CHECK (deposit_kind <> 'PERCENT' OR deposit_value <= 100);

ALTER TABLE departures
    ADD COLUMN price_per_person numeric(12, 2) CHECK (price_per_person >= 0),  -- NULL: the tour's
    ADD COLUMN status           text        NOT NULL DEFAULT 'OPEN'
                                CHECK (status IN ('OPEN', 'CLOSED')),
    ADD COLUMN closed_at        timestamptz,
    ADD COLUMN created_at       timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now();
CREATE INDEX departures_by_date ON departures (start_date, id);
