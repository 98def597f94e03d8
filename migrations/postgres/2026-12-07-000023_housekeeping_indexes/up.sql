-- Housekeeping at province scale: every question it asks is answered from an index instead of
-- a scan of a table that grows by millions of rows a year.

-- Which photo rows refer to a blob: the orphan sweep and every discarded upload ask it for
-- each blob before removing it.
CREATE INDEX media_display_key_idx ON media (display_key);
CREATE INDEX media_thumb_key_idx ON media (thumb_key);
CREATE INDEX media_original_key_idx ON media (original_key);

-- Idempotency keys expire oldest first.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
