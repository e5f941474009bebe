-- +goose Up
-- 00100: the desk inbox (issue 9): cases, their history, desk API tokens
-- (package desk; store/store_cases.go, store/store_desk_tokens.go).
--
-- What people wrote (the submission, every message in both directions,
-- internal notes and status reasons) is held only in the BLOB columns, as
-- produced by desk.Sealer; nothing is filtered or sorted on them. The other
-- columns are what routing and the inbox filters need, in clear.
-- Times are Unix seconds (UTC); anything about a submission or a submitter's
-- message is a whole minute (DESIGN.md, non-negotiables).

-- One case per submission: UNIQUE (submission_id) is what makes a
-- redelivered queue entry harmless. Later features (photos) reference
-- cases(id).
CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    submission_id     TEXT    NOT NULL UNIQUE,           -- the outbox / queue entry id
    desk              TEXT    NOT NULL,                  -- desk code, e.g. 'police'
    kind              TEXT    NOT NULL,                  -- 'tip' or 'rehab_enquiry'
    category          TEXT    NOT NULL DEFAULT '',       -- tip category or enquiry substance code
    area              TEXT    NOT NULL DEFAULT '',       -- area code (areas.yaml)
    status            TEXT    NOT NULL,                  -- desk.yaml status code
    outcome           TEXT    NOT NULL DEFAULT '',       -- desk.yaml outcome code, when closed
    received_at       INTEGER NOT NULL,                  -- whole minute
    assignee          TEXT    NOT NULL DEFAULT '',       -- staff username; '' unassigned
    unread            INTEGER NOT NULL DEFAULT 0 CHECK (unread IN (0, 1)),  -- a submitter's answer not yet read
    first_response_at INTEGER,                           -- first desk message or status change; NULL: none yet
    updated_at        INTEGER NOT NULL
);
-- The inbox always filters on desk and orders by received_at (then id):
-- one index per filter a desk uses, each in that order and each carrying
-- the other filter columns (status, category, area, assignee), so that
-- both statements of a page (the 50 rows, the counts per status) are
-- answered from one index alone, whatever the combination of filters.
-- The two partial indexes keep the "unread" and "awaiting a first
-- response" (overdue) filters small.
CREATE INDEX cases_desk_received ON cases (desk, received_at, status, category, area, assignee);
CREATE INDEX cases_desk_status ON cases (desk, status, received_at, category, area, assignee);
CREATE INDEX cases_desk_assignee ON cases (desk, assignee, received_at, status, category, area);
CREATE INDEX cases_desk_category ON cases (desk, category, received_at, status, area, assignee);
CREATE INDEX cases_desk_area ON cases (desk, area, received_at, status, category, assignee);
CREATE INDEX cases_desk_unread ON cases (desk, received_at, status, category, area, assignee) WHERE unread = TRUE;
CREATE INDEX cases_desk_awaiting ON cases (desk, received_at, status, category, area, assignee) WHERE first_response_at IS NULL;

-- What the person sent, sealed (desk.Sealer), apart from the clear
-- columns: the inbox reads only cases, which stays small; retention
-- (issue 11) deletes these rows, not a flag.
CREATE TABLE case_contents (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    content BLOB    NOT NULL
);

-- The number of cases per desk and status, kept in the transaction of
-- every insert and status change (store/store_cases.go): the inbox's
-- tabs without counting 100,000 rows on every page.
CREATE TABLE case_counts (
    desk   TEXT    NOT NULL,
    status TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (desk, status)
) WITHOUT ROWID;

-- The history of a case: its arrival, every status change, assignment,
-- internal note and message, with who (actor) and when (at).
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,                         -- staff username, 'api:NAME', '' for the submitter or the system
    type       TEXT    NOT NULL CHECK (type IN ('received', 'status', 'assign', 'note', 'message_out', 'message_in')),
    status     TEXT    NOT NULL DEFAULT '',              -- type 'status': the new status
    outcome    TEXT    NOT NULL DEFAULT '',              -- type 'status' to closed: the outcome
    assignee   TEXT    NOT NULL DEFAULT '',              -- type 'assign': the new assignee ('' unassigned)
    body       BLOB,                                     -- note, message or reason, sealed
    nonce_hash TEXT    UNIQUE                            -- a submitter's form nonce (keyed hash): one message per form
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Tokens of the desk API for agencies' own systems. Only the SHA-256 of a
-- token is kept; the token is printed once by `portal token create`.
CREATE TABLE desk_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    desk         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,                                -- to the minute
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX desk_tokens_active_name ON desk_tokens (name) WHERE revoked_at IS NULL;
