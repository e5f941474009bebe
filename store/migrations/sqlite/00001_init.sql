-- +goose Up
-- 00001: marker so that a fresh database always has a schema.
-- Every statement of 00001-00004 is idempotent (IF NOT EXISTS): a database
-- made by the runner that came before goose already holds these tables,
-- and goose then only records them as applied.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The record of that earlier runner; goose_db_version replaces it.
DROP TABLE IF EXISTS schema_migrations;
