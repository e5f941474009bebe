-- +goose Up
-- 00500: campaign cover images in the system of record (issue 13), so that
-- every instance of the portal serves the same ones without a shared
-- directory. Before this they were files in DATA_DIR/media; serve imports
-- such files once at start (press.Office.ImportMediaDir) and removes them.
-- data is the image as re-encoded by package press (metadata stripped).
-- created_at (Unix seconds) lets the cleanup keep a fresh upload that no
-- campaign names yet; a save that names the image refreshes it.
CREATE TABLE media (
    name         TEXT    PRIMARY KEY,        -- e.g. "3f9c….jpg": 128 random bits in hex + extension
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX media_created ON media(created_at);
