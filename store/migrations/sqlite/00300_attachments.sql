-- +goose Up
-- 00300: photos of submissions (issue 16, phase 2; store/store_photos.go).
--
-- Only the sanitised photo (package photo: a JPEG re-encoded from the
-- decoded pixels, no metadata) is ever stored; the uploaded file never is.
--
-- outbox_attachments holds a tip's photos beside its outbox row, written in
-- the same transaction; the queue entry carries only a reference (the
-- submission's "attachments" list: index, size, dimensions). The desk's
-- commit of the case moves them to case_attachments, sealed (desk.Sealer),
-- and deletes these rows (zeroed on disk: secure_delete).
CREATE TABLE outbox_attachments (
    submission_id TEXT    NOT NULL,                -- the outbox / queue entry id
    idx           INTEGER NOT NULL,                -- position among the photos, from 0
    data          BLOB    NOT NULL,                -- the sanitised JPEG
    PRIMARY KEY (submission_id, idx)
);

-- case_attachments: the photos of a case, sealed to its desk; deleted with
-- the case (ON DELETE CASCADE), and with the sender's message that carried
-- them (event_id; NULL for the photos of the submission itself).
CREATE TABLE case_attachments (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    event_id INTEGER REFERENCES case_events(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,                     -- position among the photos of the submission or message
    content  BLOB    NOT NULL                      -- sealed (desk.Sealer)
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);
