-- +goose Up
-- 00101: the outbox keeps a submission until a desk has it (issue 10,
-- point 3; store/store_outbox.go). The forwarder no longer deletes a row
-- when the queue accepts it: it marks it sent, with the queue entry's
-- stream id and the epoch of the queue it went to (queue.Queue.Epoch). The
-- desk consumer deletes the row in the transaction that commits its case.
-- A queue that comes back with a new epoch (a Redis restarted empty) makes
-- every row sent under another epoch due again (ResendOutbox).
ALTER TABLE intake_outbox ADD COLUMN sent_at INTEGER;      -- whole minute; NULL: not yet on a queue
ALTER TABLE intake_outbox ADD COLUMN stream_id TEXT;       -- the queue entry's id
ALTER TABLE intake_outbox ADD COLUMN queue_epoch TEXT;     -- queue.Queue.Epoch when sent
