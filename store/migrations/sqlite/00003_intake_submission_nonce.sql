-- +goose Up
-- 00003: one-time submission nonces of the intake forms
-- (intake package, store/store_outbox.go). A form carries a random nonce;
-- the outbox records its HMAC-SHA256 under the portal secret (hex) with the
-- submission, so a second POST of the same form (double click, refresh)
-- stores nothing. The hash says nothing about the sender; received_on
-- (a date, Vietnam time) lets old rows be pruned.
CREATE TABLE IF NOT EXISTS intake_nonce (
    nonce_hash  TEXT PRIMARY KEY,
    received_on TEXT NOT NULL
) WITHOUT ROWID;
