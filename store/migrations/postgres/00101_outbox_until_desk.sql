-- +goose Up
-- 00101: the outbox keeps a submission until a desk has it; see
-- migrations/sqlite/00101_outbox_until_desk.sql.
ALTER TABLE intake_outbox ADD COLUMN sent_at BIGINT;
ALTER TABLE intake_outbox ADD COLUMN stream_id TEXT;
ALTER TABLE intake_outbox ADD COLUMN queue_epoch TEXT;
