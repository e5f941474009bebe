-- +goose Up
-- 00201: two-step sign-in for staff (issue 11, point 3; press/totp.go).
-- The TOTP secret (RFC 6238, 30 s, 6 digits, SHA-1) of each staff member;
-- enabled once a code from it was typed back. last_step is the last time
-- step a code was accepted for: a code is only accepted for a later step,
-- atomically (UPDATE … WHERE last_step < ?), so a used code is refused a
-- second time, on every instance.
CREATE TABLE staff_totp (
    staff_id   INTEGER PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
    secret     TEXT    NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    last_step  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
-- One-time recovery codes: only their SHA-256 (hex); deleted when used.
CREATE TABLE staff_recovery_codes (
    staff_id  INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    PRIMARY KEY (staff_id, code_hash)
);
