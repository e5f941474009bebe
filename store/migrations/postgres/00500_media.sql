-- +goose Up
-- 00500: campaign cover images in the system of record; see
-- migrations/sqlite/00500_media.sql.
CREATE TABLE media (
    name         TEXT   PRIMARY KEY,
    content_type TEXT   NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         BYTEA  NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX media_created ON media(created_at);
