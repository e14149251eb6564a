-- Payments (ADR 0016): a booking's account (what is owed and paid), the payment links sent
-- for it, and the payments the gateway reported — one row per gateway payment id, however
-- often its webhook is delivered.
CREATE TABLE booking_accounts (
    booking_id        uuid PRIMARY KEY REFERENCES bookings (id),
    tenant_id         text           NOT NULL REFERENCES tenants (id),
    quote_id          uuid           REFERENCES quotes (id),  -- the price came from this quote
    total             numeric(12, 2) NOT NULL CHECK (total >= 0),
    deposit           numeric(12, 2) NOT NULL CHECK (deposit BETWEEN 0 AND total),
    paid              numeric(12, 2) NOT NULL DEFAULT 0 CHECK (paid >= 0),
    currency          text           NOT NULL,
    status            text           NOT NULL DEFAULT 'UNPAID'
                      CHECK (status IN ('UNPAID', 'DEPOSIT_PAID', 'FULL_PAID')),
    due_date          date           NOT NULL,  -- the balance's
    reminded_for      date,  -- the due date the last balance reminder was sent for
    fully_paid_at     timestamptz,
    created_at        timestamptz    NOT NULL,
    updated_at        timestamptz    NOT NULL
);
CREATE INDEX booking_accounts_reminders ON booking_accounts (due_date)
    WHERE status <> 'FULL_PAID';

CREATE TABLE payment_links (
    id          uuid PRIMARY KEY,
    tenant_id   text           NOT NULL REFERENCES tenants (id),
    booking_id  uuid           NOT NULL REFERENCES bookings (id),
    kind        text           NOT NULL CHECK (kind IN ('DEPOSIT', 'FULL', 'BALANCE')),
    amount      numeric(12, 2) NOT NULL CHECK (amount > 0),
    currency    text           NOT NULL,
    url         text           NOT NULL,
    expires_at  timestamptz    NOT NULL,
    created_by  text,
    created_at  timestamptz    NOT NULL
);
CREATE INDEX payment_links_by_booking ON payment_links (booking_id, created_at);

CREATE TABLE payments (
    id                 uuid PRIMARY KEY,
    tenant_id          text           NOT NULL REFERENCES tenants (id),
    booking_id         uuid           NOT NULL REFERENCES bookings (id),
    link_id            uuid           REFERENCES payment_links (id),
    gateway_payment_id text           NOT NULL UNIQUE,  -- the gateway's id: one payment each
    gateway_event_id   text           NOT NULL,
    amount             numeric(12, 2) NOT NULL CHECK (amount > 0),
    currency           text           NOT NULL,
    paid_at            timestamptz    NOT NULL,
    received_at        timestamptz    NOT NULL
);
CREATE INDEX payments_by_booking ON payments (booking_id, received_at);
