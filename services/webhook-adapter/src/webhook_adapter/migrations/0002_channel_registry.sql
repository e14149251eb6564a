-- The channel registry: one row per WhatsApp number, whatever its provider. The address is
-- the provider's name for the number (the Cloud API's phone number id for Meta, the sandbox
-- and 360dialog; the E.164 number for Twilio) and stays the channel id events carry.
ALTER TABLE channels RENAME COLUMN phone_number_id TO address;
ALTER TABLE channels ADD CONSTRAINT channels_id_is_address CHECK (id = address);
ALTER TABLE channels ADD CONSTRAINT channels_provider_address_key UNIQUE (provider, address);
ALTER TABLE channels ADD CONSTRAINT channels_provider_known
    CHECK (provider IN ('sandbox', 'meta', '360dialog', 'twilio'));
ALTER TABLE channels ADD COLUMN enabled boolean NOT NULL DEFAULT true;
-- A Fernet token of the credentials' JSON (WAOPS_CHANNEL_KEYS); never the clear text.
ALTER TABLE channels ADD COLUMN credentials bytea;
ALTER TABLE channels ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX channels_tenant ON channels (tenant_id);

-- The provider's own word for a status (Twilio's "undelivered" is stored as "failed").
ALTER TABLE message_statuses ADD COLUMN provider_status text;
