-- +goose Up
-- 00002: intake outbox and submission status (intake package, store/store_outbox.go).
--
-- intake_outbox holds every accepted tip or rehab enquiry until the agency
-- queue has it; the forwarder deletes a row only after the queue accepted it.
-- Nothing here identifies the sender: no address, no user agent, no referrer.
CREATE TABLE IF NOT EXISTS intake_outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order, oldest first
    id          TEXT    NOT NULL UNIQUE,           -- submission id, the queue entry id
    kind        TEXT    NOT NULL,                  -- "tip" or "rehab_enquiry"
    received_at TEXT    NOT NULL,                  -- RFC 3339 UTC
    data        BLOB    NOT NULL                   -- the sanitised submission as JSON
);

-- intake_status answers /tra-cuu. It is keyed by the HMAC-SHA256 of the
-- receipt under the portal secret (hex); the receipt itself is never stored.
-- It outlives the outbox row. received_on is a date only (Vietnam time).
CREATE TABLE IF NOT EXISTS intake_status (
    receipt_hash  TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('received', 'forwarded')),
    received_on   TEXT NOT NULL                    -- YYYY-MM-DD
);
