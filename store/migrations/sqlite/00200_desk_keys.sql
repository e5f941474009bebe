-- +goose Up
-- 00200: per-desk encryption at rest (issue 11; package seal). Private keys
-- are stored only wrapped; nothing here opens without a member's password,
-- a desk API token or the desk's recovery key.

-- One age X25519 key pair per desk: the public key in clear (everyone
-- seals to it), the private key wrapped to the recovery key printed once
-- by `portal desk init`.
CREATE TABLE desk_keys (
    desk          TEXT    PRIMARY KEY,
    public_key    TEXT    NOT NULL,      -- age1…
    recovery_wrap BLOB    NOT NULL,      -- age file: the private key, to the recovery key
    created_at    INTEGER NOT NULL
);

-- Each staff member's own age key pair, made at their first sign-in: the
-- private key wrapped under argon2id(password) (seal.WrapWithPassword).
CREATE TABLE staff_keys (
    staff_id   INTEGER PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
    public_key TEXT    NOT NULL,
    wrap       BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Who may open a desk's content: the desk's private key, once per holder.
-- holder "staff:ID": an age file to that member's public key; "token:HASH"
-- (hex SHA-256 of a desk API token): seal.WrapWithSecret under the token.
CREATE TABLE desk_key_grants (
    desk       TEXT    NOT NULL,
    holder     TEXT    NOT NULL,
    wrap       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (desk, holder)
);

-- The submitter's public key (seal.SubmitterIdentity), to seal the
-- conversation for the holder of the receipt; '' before keys existed.
ALTER TABLE case_contents ADD COLUMN submitter_key TEXT NOT NULL DEFAULT '';
