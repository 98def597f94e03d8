DROP INDEX idempotency_keys_created_idx;
DROP INDEX media_original_key_idx;
DROP INDEX media_thumb_key_idx;
DROP INDEX media_display_key_idx;
