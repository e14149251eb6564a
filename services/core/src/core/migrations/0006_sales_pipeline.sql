-- The sales pipeline: lead states (NEW → CONTACTED → QUALIFIED → QUOTED → WON / LOST, see
-- core.domain.leads), quotes, and per-tour early-bird rules (NULL: the core's setting).
ALTER TABLE leads
    ADD CONSTRAINT leads_state_known
        CHECK (state IN ('NEW', 'CONTACTED', 'QUALIFIED', 'QUOTED', 'WON', 'LOST')),
    ADD COLUMN lost_reason      text,
    ADD COLUMN booking_id       uuid,  -- the booking it converted into (WON)
    ADD COLUMN state_changed_at timestamptz;
CREATE INDEX leads_listing ON leads (tenant_id, created_at DESC, id DESC);
-- A rep's load is every lead still being worked, not only the NEW ones.
CREATE INDEX leads_in_pipeline_by_rep ON leads (tenant_id, assigned_to)
    WHERE state IN ('NEW', 'CONTACTED', 'QUALIFIED', 'QUOTED');

ALTER TABLE tours
    ADD COLUMN early_bird_percent numeric(5, 2)
        CHECK (early_bird_percent BETWEEN 0 AND 100),
    ADD COLUMN early_bird_days    integer CHECK (early_bird_days >= 0);

CREATE TABLE quotes (
    id               uuid PRIMARY KEY,
    tenant_id        text           NOT NULL REFERENCES tenants (id),
    lead_id          uuid           NOT NULL REFERENCES leads (id),
    departure_id     uuid           NOT NULL REFERENCES departures (id),
    pax              integer        NOT NULL CHECK (pax BETWEEN 1 AND 50),
    price_per_person numeric(12, 2) NOT NULL CHECK (price_per_person >= 0),
    subtotal         numeric(12, 2) NOT NULL CHECK (subtotal >= 0),
    discounts        jsonb          NOT NULL DEFAULT '[]',  -- [{kind, description, amount}]
    discount_total   numeric(12, 2) NOT NULL CHECK (discount_total BETWEEN 0 AND subtotal),
    total            numeric(12, 2) NOT NULL CHECK (total >= 0),
    currency         text           NOT NULL,
    valid_until      timestamptz    NOT NULL,
    sent_by          text,  -- the X-Waops-Actor-Id that asked
    created_at       timestamptz    NOT NULL,
    CHECK (total = subtotal - discount_total)
);
CREATE INDEX quotes_by_lead ON quotes (lead_id, created_at DESC);
