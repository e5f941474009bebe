-- +goose Up
-- 00501: scheduled publishing once per cluster (issue 13).
--
-- golive_version is the version of a scheduled campaign whose going live
-- was recorded (audit "campaign.go_live", change notification) by the one
-- instance that held the scheduler's cluster lock (store.GoLiveDue); NULL
-- while not recorded.
--
-- indexed_version goes: with several instances each one's search index
-- (Bleve in its own data dir) holds what that instance put, so one column
-- for "the index" cannot say it. Each press.Office keeps that in memory
-- and follows changes through store change notifications.
ALTER TABLE campaigns ADD COLUMN golive_version INTEGER;
ALTER TABLE campaigns DROP COLUMN indexed_version;
