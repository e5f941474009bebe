-- +goose Up
-- 00003: one-time submission nonces of the intake forms; see
-- migrations/sqlite/00003_intake_submission_nonce.sql.
CREATE TABLE intake_nonce (
    nonce_hash  TEXT PRIMARY KEY,        -- HMAC-SHA256 of the form's nonce (hex)
    received_on TEXT NOT NULL            -- YYYY-MM-DD, Vietnam time
);
