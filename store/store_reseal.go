package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Blob tables: where a desk's case holds what people wrote (sealed, or
// plain JSON when it was stored before the desk had a key pair).
const (
	BlobCaseContent    = "case_contents"    // the submission; ID is the case id
	BlobCaseEvent      = "case_events"      // a note, reason or message; ID is the event id
	BlobCaseAttachment = "case_attachments" // a photo; ID is the attachment id
)

// BlobRef names one stored blob of a desk's case, without its bytes.
type BlobRef struct {
	// Table is BlobCaseContent, BlobCaseEvent or BlobCaseAttachment.
	Table string
	// ID is the row's key in Table (the case id for BlobCaseContent).
	ID int64
	// EventType is the event's type for BlobCaseEvent (EventNote,
	// EventMessageOut…), "" otherwise.
	EventType string
	// SubmitterKey is the case's submitter public key ("" when unknown).
	SubmitterKey string
}

// blobColumn is each blob table's key and blob column.
var blobColumn = map[string][2]string{
	BlobCaseContent:    {"case_id", "content"},
	BlobCaseEvent:      {"id", "body"},
	BlobCaseAttachment: {"id", "content"},
}

// UnsealedBlobs lists the blobs of desk's cases whose bytes do not start
// with sealedPrefix (the age header, seal.IsSealed): what was stored in
// clear before the desk had a key pair. Empty bodies (events without text)
// are not listed. The bytes are not read here (photos can be megabytes):
// Blob reads one.
func (db *DB) UnsealedBlobs(ctx context.Context, desk string, sealedPrefix []byte) ([]BlobRef, error) {
	n := len(sealedPrefix)
	q := `SELECT 'case_contents', cc.case_id, '', cc.submitter_key
			FROM case_contents cc JOIN cases c ON c.id = cc.case_id
			WHERE c.desk = ?1 AND length(cc.content) > 0 AND substr(cc.content, 1, ?2) <> ?3
		UNION ALL
		SELECT 'case_events', e.id, e.type, cc.submitter_key
			FROM case_events e JOIN cases c ON c.id = e.case_id JOIN case_contents cc ON cc.case_id = c.id
			WHERE c.desk = ?1 AND e.body IS NOT NULL AND length(e.body) > 0 AND substr(e.body, 1, ?2) <> ?3
		UNION ALL
		SELECT 'case_attachments', a.id, '', cc.submitter_key
			FROM case_attachments a JOIN cases c ON c.id = a.case_id JOIN case_contents cc ON cc.case_id = c.id
			WHERE c.desk = ?1 AND length(a.content) > 0 AND substr(a.content, 1, ?2) <> ?3`
	rows, err := db.sql.QueryContext(ctx, q, desk, n, sealedPrefix)
	if err != nil {
		return nil, fmt.Errorf("store: unsealed blobs of %s: %w", desk, err)
	}
	defer rows.Close()
	var out []BlobRef
	for rows.Next() {
		var r BlobRef
		if err := rows.Scan(&r.Table, &r.ID, &r.EventType, &r.SubmitterKey); err != nil {
			return nil, fmt.Errorf("store: unsealed blobs of %s: %w", desk, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unsealed blobs of %s: %w", desk, err)
	}
	return out, nil
}

// Blob returns the bytes of the blob r names, or ErrNotFound.
func (db *DB) Blob(ctx context.Context, r BlobRef) ([]byte, error) {
	col, ok := blobColumn[r.Table]
	if !ok {
		return nil, fmt.Errorf("store: blob table %q", r.Table)
	}
	var b []byte
	err := db.sql.QueryRowContext(ctx, `SELECT `+col[1]+` FROM `+r.Table+` WHERE `+col[0]+` = ?`, r.ID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: %s %d: %w", r.Table, r.ID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s %d: %w", r.Table, r.ID, err)
	}
	return b, nil
}

// ReplaceUnsealedBlob stores sealed as the blob r names if that blob does
// not yet start with sealedPrefix, and reports whether it did: a blob
// another process sealed meanwhile is left as it is (rows are written
// once, so "still plain" is the only condition needed).
func (db *DB) ReplaceUnsealedBlob(ctx context.Context, r BlobRef, sealedPrefix, sealed []byte) (bool, error) {
	col, ok := blobColumn[r.Table]
	if !ok {
		return false, fmt.Errorf("store: blob table %q", r.Table)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE `+r.Table+` SET `+col[1]+` = ?1 WHERE `+col[0]+` = ?2 AND substr(`+col[1]+`, 1, ?3) <> ?4`,
		sealed, r.ID, len(sealedPrefix), sealedPrefix)
	if err != nil {
		return false, fmt.Errorf("store: seal %s %d: %w", r.Table, r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: seal %s %d: %w", r.Table, r.ID, err)
	}
	return n == 1, nil
}

// SetCaseSubmitterKey records key, the submitter's public key
// (seal.SubmitterIdentity's recipient), for case id if none is recorded
// yet (a case made before its desk had a key pair), and reports whether it
// did. A key once recorded is never replaced.
func (db *DB) SetCaseSubmitterKey(ctx context.Context, id int64, key string) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE case_contents SET submitter_key = ? WHERE case_id = ? AND submitter_key = ''`, key, id)
	if err != nil {
		return false, fmt.Errorf("store: case %d submitter key: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: case %d submitter key: %w", id, err)
	}
	return n == 1, nil
}
