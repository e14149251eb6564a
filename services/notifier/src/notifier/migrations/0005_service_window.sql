-- WhatsApp's customer-service window: when each person last wrote to each channel (from
-- waops.message.received.v1; only the latest time is kept), so a free-form message sent
-- more than 24 hours later goes out as the re-engagement template instead.
CREATE TABLE last_inbound (
    channel_id text        NOT NULL,
    phone      text        NOT NULL,  -- E.164 ("+" and the digits)
    at         timestamptz NOT NULL,  -- the provider's time of the person's message
    PRIMARY KEY (channel_id, phone)
);

-- The approved template (Twilio: its content sid) a message went out as because the window
-- was closed; NULL: sent as queued.
ALTER TABLE outbound_messages ADD COLUMN reengagement_template text;
