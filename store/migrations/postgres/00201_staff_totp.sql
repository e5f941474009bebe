-- +goose Up
-- 00201 (PostgreSQL): two-step sign-in for staff; see the SQLite migration.
CREATE TABLE staff_totp (
    staff_id   BIGINT  PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
    secret     TEXT    NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    last_step  BIGINT  NOT NULL DEFAULT 0,
    updated_at BIGINT  NOT NULL
);
CREATE TABLE staff_recovery_codes (
    staff_id  BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    code_hash TEXT   NOT NULL,
    PRIMARY KEY (staff_id, code_hash)
);
