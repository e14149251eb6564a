-- The trace of the event that caused a message, so the provider call joins that trace.
ALTER TABLE outbound_messages ADD COLUMN traceparent text;
