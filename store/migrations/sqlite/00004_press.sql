-- +goose Up
-- 00004: press office: staff accounts, login sessions, campaigns and the audit log.
-- Times are Unix seconds (UTC). No table holds a client address, user agent or password.

CREATE TABLE IF NOT EXISTS staff (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,           -- lower-case, [a-z0-9._-]
    role          TEXT    NOT NULL CHECK (role IN ('press', 'police', 'social-affairs', 'admin')),
    password_hash TEXT    NOT NULL,                  -- argon2id, PHC string format
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- A session is known only by the SHA-256 of its token; the token itself is
-- only ever in the person's cookie.
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash   BLOB    PRIMARY KEY,                -- SHA-256 of the cookie token
    staff_id     INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL                    -- absolute expiry
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS staff_sessions_staff ON staff_sessions(staff_id);
CREATE INDEX IF NOT EXISTS staff_sessions_expires ON staff_sessions(expires_at);

-- A campaign is public when status = 'published' and published_at <= now;
-- published_at in the future means "scheduled". version counts edits and
-- indexed_version is the version the search index holds (NULL: not in the
-- index), so a search update that failed is retried by the scheduler.
CREATE TABLE IF NOT EXISTS campaigns (
    id              INTEGER PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL DEFAULT 'campaign' CHECK (kind IN ('campaign', 'article')),
    title           TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    body_md         TEXT    NOT NULL DEFAULT '',
    cover           TEXT    NOT NULL DEFAULT '',     -- media file name, e.g. "3f9c….jpg"
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    published_at    INTEGER,                         -- set when status = 'published'
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_by      TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    indexed_version INTEGER,
    CHECK (status = 'draft' OR published_at IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS campaigns_public ON campaigns(status, published_at);

CREATE TABLE IF NOT EXISTS audit_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,                         -- username, or "hệ thống" / "dòng lệnh"
    action TEXT    NOT NULL,                         -- e.g. "campaign.publish"
    target TEXT    NOT NULL DEFAULT ''               -- e.g. "chien-dich/thang-hanh-dong"
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
