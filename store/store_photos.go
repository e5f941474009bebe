package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Photos of submissions (issue 16, phase 2; migration 00300). A tip's
// photos wait in outbox_attachments beside its outbox row: each an age
// file sealed to the desk's key by intake when the desk has one, the
// sanitised JPEG while it has none. The desk's commit of the case moves
// them, sealed, to case_attachments (CreateCases) and a sender's
// follow-up message stores its own there (AddSubmitterMessage). Only
// sanitised photos reach this package; it stores the bytes it is given.

// CaseAttachment is one photo of a case.
type CaseAttachment struct {
	// ID is the photo's id (case_attachments.id); the URLs name it.
	ID     int64
	CaseID int64
	// EventID is the sender's message that carried the photo; 0 for the
	// photos of the submission itself.
	EventID int64
	// Index is the photo's position among those of its submission or
	// message, from 0.
	Index int
	// Content is the sealed photo; nil in lists (CaseAttachments).
	Content []byte
}

// insertOutboxAttachments writes the photos of subs to outbox_attachments,
// in the caller's transaction.
func insertOutboxAttachments(ctx context.Context, tx *sqlTx, subs []Submission) error {
	for _, s := range subs {
		for i, data := range s.Attachments {
			if len(data) == 0 {
				return fmt.Errorf("store: insert submission %s: photo %d is empty", s.ID, i)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attachments (submission_id, idx, data) VALUES (?, ?, ?)`,
				s.ID, i, data); err != nil {
				return fmt.Errorf("store: insert submission %s: photo %d: %w", s.ID, i, err)
			}
		}
	}
	return nil
}

// insertCaseAttachments writes the sealed photos of case caseID (of its
// message eventID, or of the submission when 0), in the caller's
// transaction.
func insertCaseAttachments(ctx context.Context, tx *sqlTx, caseID, eventID int64, sealed [][]byte) error {
	var ev any
	if eventID != 0 {
		ev = eventID
	}
	for i, blob := range sealed {
		if len(blob) == 0 {
			return fmt.Errorf("photo %d is empty", i)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_attachments (case_id, event_id, idx, content) VALUES (?, ?, ?, ?)`,
			caseID, ev, i, blob); err != nil {
			return fmt.Errorf("photo %d: %w", i, err)
		}
	}
	return nil
}

// OutboxAttachments returns the photos of submission id waiting in the
// outbox, in order; none (and no error) when it has none or a desk has
// its case already.
func (db *DB) OutboxAttachments(ctx context.Context, submissionID string) ([][]byte, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT data FROM outbox_attachments WHERE submission_id = ? ORDER BY idx`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("store: photos of %s: %w", submissionID, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: photos of %s: %w", submissionID, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: photos of %s: %w", submissionID, err)
	}
	return out, nil
}

// CaseAttachments lists the photos of case id of desk, without their
// content, in the order they arrived. A case of another desk, or none,
// gives an empty list.
func (db *DB) CaseAttachments(ctx context.Context, desk string, id int64) ([]CaseAttachment, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT a.id, a.case_id, a.event_id, a.idx FROM case_attachments a
		JOIN cases c ON c.id = a.case_id WHERE a.case_id = ? AND c.desk = ? ORDER BY a.id`, id, desk)
	if err != nil {
		return nil, fmt.Errorf("store: photos of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []CaseAttachment
	for rows.Next() {
		var a CaseAttachment
		var ev sql.NullInt64
		if err := rows.Scan(&a.ID, &a.CaseID, &ev, &a.Index); err != nil {
			return nil, fmt.Errorf("store: photos of case %d: %w", id, err)
		}
		a.EventID = ev.Int64
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: photos of case %d: %w", id, err)
	}
	return out, nil
}

// CaseAttachment returns photo photoID of case id of desk, with its sealed
// content. A photo of another case, or a case of another desk, is
// ErrNotFound.
func (db *DB) CaseAttachment(ctx context.Context, desk string, id, photoID int64) (CaseAttachment, error) {
	a := CaseAttachment{ID: photoID}
	var ev sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT a.case_id, a.event_id, a.idx, a.content FROM case_attachments a
		JOIN cases c ON c.id = a.case_id WHERE a.id = ? AND a.case_id = ? AND c.desk = ?`, photoID, id, desk).
		Scan(&a.CaseID, &ev, &a.Index, &a.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseAttachment{}, fmt.Errorf("store: photo %d of case %d: %w", photoID, id, ErrNotFound)
	}
	if err != nil {
		return CaseAttachment{}, fmt.Errorf("store: photo %d of case %d: %w", photoID, id, err)
	}
	a.EventID = ev.Int64
	return a, nil
}
