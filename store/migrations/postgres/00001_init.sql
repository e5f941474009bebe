-- +goose Up
-- 00001: marker so that a fresh database always has a schema.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
