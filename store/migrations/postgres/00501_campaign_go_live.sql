-- +goose Up
-- 00501: scheduled publishing once per cluster; see
-- migrations/sqlite/00501_campaign_go_live.sql.
ALTER TABLE campaigns ADD COLUMN golive_version BIGINT;
ALTER TABLE campaigns DROP COLUMN indexed_version;
