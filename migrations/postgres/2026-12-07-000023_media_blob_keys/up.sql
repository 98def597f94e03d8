-- Which photo rows refer to a blob, answered by index: the orphan sweep and every discarded
-- upload ask it for each blob before removing it (a full scan of media per blob otherwise).
CREATE INDEX media_display_key_idx ON media (display_key);
CREATE INDEX media_thumb_key_idx ON media (thumb_key);
CREATE INDEX media_original_key_idx ON media (original_key);
