package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Case event types (case_events.type, migration 00100).
const (
	EventReceived   = "received"    // the case was created from its queue entry
	EventStatus     = "status"      // a status change (Status, Outcome; Body: the reason)
	EventAssign     = "assign"      // an assignment (Assignee; "" unassigned)
	EventNote       = "note"        // an internal note (Body), never shown to the submitter
	EventMessageOut = "message_out" // a desk message to the submitter (Body)
	EventMessageIn  = "message_in"  // a submitter's message to the desk (Body)
)

// ErrStaleStatus is returned by ChangeCaseStatus when the case's status is
// no longer the one the change was made from (someone else changed it).
var ErrStaleStatus = errors.New("store: case status changed meanwhile")

// Case is one submission being worked by a desk. Everything but Content is
// clear, for routing and the inbox filters (table cases); Content is the
// submission as sealed by desk.Sealer (table case_contents) and is only
// filled by CaseByID and ExportCases.
type Case struct {
	ID           int64
	SubmissionID string
	Desk         string
	Kind         string
	// Category is the tip's category or the enquiry's substance code.
	Category string
	Area     string
	Status   string
	// Outcome is set when the case is closed.
	Outcome string
	// ReceivedAt is a whole minute (UTC).
	ReceivedAt time.Time
	// Assignee is the username of the desk member in charge; "" none.
	Assignee string
	// Unread reports a submitter's message nobody at the desk has opened.
	Unread bool
	// FirstResponseAt is the first desk message or status change; zero
	// while the case waits for its first response.
	FirstResponseAt time.Time
	UpdatedAt       time.Time
	Content         []byte
}

// NewCase is a case to create from a queue entry.
type NewCase struct {
	SubmissionID string
	Desk         string
	Kind         string
	Category     string
	Area         string
	// Status is the initial status code ("new").
	Status string
	// ReceivedAt is truncated to the minute.
	ReceivedAt time.Time
	// Content is the sealed submission.
	Content []byte
	// Attachments are the submission's photos, each sealed on its own
	// (desk.Sealer), in order; stored in case_attachments when the case
	// is created (store_photos.go).
	Attachments [][]byte
	// SubmitterKey is the submitter's age public key (seal.SubmitterIdentity)
	// the conversation is sealed to; "" for a submission made before keys.
	SubmitterKey string
}

// CaseEvent is one line of a case's history.
type CaseEvent struct {
	ID     int64
	CaseID int64
	At     time.Time
	// Actor is a staff username, "api:NAME" for a desk API token, or ""
	// for the submitter (EventMessageIn) and the system (EventReceived).
	Actor    string
	Type     string
	Status   string
	Outcome  string
	Assignee string
	// Body is sealed text (note, message, reason); nil when none.
	Body []byte
	// Photos is how many photos (case_attachments rows) came with the
	// event: a sender's reply (EventMessageIn) may carry some; 0 for the
	// rest. Counted, not opened: the photos stay sealed for the desk.
	Photos int
}

// CreatedCase is the result of CreateCases for one NewCase.
type CreatedCase struct {
	ID int64
	// Created is false when the submission already had its case (a
	// redelivered queue entry): nothing was written for it.
	Created bool
}

// CreateCases creates one case per NewCase, in one transaction: for each
// submission not yet known it inserts the case and its "received" event;
// a submission that already has a case (UNIQUE submission_id) is left as
// it is. In the same transaction it deletes each submission's outbox row:
// the outbox keeps a submission until a desk has it (issue 10, point 3).
// The caller acknowledges the queue entries only after this returns nil.
func (db *DB) CreateCases(ctx context.Context, cases []NewCase, now time.Time) ([]CreatedCase, error) {
	if len(cases) == 0 {
		return nil, nil
	}
	for _, c := range cases {
		if c.SubmissionID == "" || c.Desk == "" || c.Kind == "" || c.Status == "" || c.ReceivedAt.IsZero() || len(c.Content) == 0 {
			return nil, fmt.Errorf("store: create case %q: missing field", c.SubmissionID)
		}
	}
	tx, err := db.begin(ctx, "create cases")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]CreatedCase, len(cases))
	for i, c := range cases {
		at := c.ReceivedAt.UTC().Truncate(time.Minute).Unix()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO cases
			    (submission_id, desk, kind, category, area, status, received_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (submission_id) DO NOTHING RETURNING id`,
			c.SubmissionID, c.Desk, c.Kind, c.Category, c.Area, c.Status, at, at).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE submission_id = ?`, c.SubmissionID).Scan(&id); err != nil {
				return nil, fmt.Errorf("store: create case %s: existing: %w", c.SubmissionID, err)
			}
			out[i] = CreatedCase{ID: id}
		case err != nil:
			return nil, fmt.Errorf("store: create case %s: %w", c.SubmissionID, err)
		default:
			out[i] = CreatedCase{ID: id, Created: true}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_contents (case_id, content, submitter_key) VALUES (?, ?, ?)`, id, c.Content, c.SubmitterKey); err != nil {
				return nil, fmt.Errorf("store: create case %s: content: %w", c.SubmissionID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, actor, type, status) VALUES (?, ?, '', ?, ?)`,
				id, at, EventReceived, c.Status); err != nil {
				return nil, fmt.Errorf("store: create case %s: event: %w", c.SubmissionID, err)
			}
			if err := countMonthly(ctx, tx, c); err != nil {
				return nil, fmt.Errorf("store: create case %s: %w", c.SubmissionID, err)
			}
			if err := countCase(ctx, tx, c.Desk, c.Status, 1); err != nil {
				return nil, fmt.Errorf("store: create case %s: %w", c.SubmissionID, err)
			}
			if err := insertCaseAttachments(ctx, tx, id, 0, c.Attachments); err != nil {
				return nil, fmt.Errorf("store: create case %s: %w", c.SubmissionID, err)
			}
		}
		// Deleted outbox rows are overwritten with zeros (secure_delete).
		if _, err := tx.ExecContext(ctx, `DELETE FROM intake_outbox WHERE id = ?`, c.SubmissionID); err != nil {
			return nil, fmt.Errorf("store: create case %s: remove from outbox: %w", c.SubmissionID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_attachments WHERE submission_id = ?`, c.SubmissionID); err != nil {
			return nil, fmt.Errorf("store: create case %s: remove photos from outbox: %w", c.SubmissionID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: create %d cases: commit: %w", len(cases), err)
	}
	return out, nil
}

// countCase adds delta to the number of desk's cases in status
// (case_counts), in the caller's transaction: every insert of a case and
// every change of its status goes through it, so the counts stay exact.
func countCase(ctx context.Context, tx *sqlTx, desk, status string, delta int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_counts (desk, status, n) VALUES (?, ?, ?)
		ON CONFLICT (desk, status) DO UPDATE SET n = case_counts.n + excluded.n`, desk, status, delta)
	if err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	return nil
}

// RecountCases rebuilds case_counts from the cases themselves: for rows
// written around the store's methods (bulk loads, a restore).
func (db *DB) RecountCases(ctx context.Context) error {
	tx, err := db.begin(ctx, "recount cases")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM case_counts`); err != nil {
		return fmt.Errorf("store: recount cases: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_counts (desk, status, n)
		SELECT desk, status, count(*) FROM cases GROUP BY desk, status`); err != nil {
		return fmt.Errorf("store: recount cases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: recount cases: %w", err)
	}
	return nil
}

const caseColumns = `id, submission_id, desk, kind, category, area, status, outcome, received_at, assignee, unread, first_response_at, updated_at`

// caseColumnsC are caseColumns of "cases c" joined with "case_contents t".
const caseColumnsC = `c.id, c.submission_id, c.desk, c.kind, c.category, c.area, c.status, c.outcome, c.received_at, c.assignee, c.unread, c.first_response_at, c.updated_at, t.content`

func scanCase(row interface{ Scan(...any) error }, extra ...any) (Case, error) {
	var c Case
	var received, updated int64
	var first sql.NullInt64
	dest := []any{&c.ID, &c.SubmissionID, &c.Desk, &c.Kind, &c.Category, &c.Area, &c.Status, &c.Outcome,
		&received, &c.Assignee, &c.Unread, &first, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Case{}, err
	}
	c.ReceivedAt, c.UpdatedAt = time.Unix(received, 0).UTC(), time.Unix(updated, 0).UTC()
	if first.Valid {
		c.FirstResponseAt = time.Unix(first.Int64, 0).UTC()
	}
	return c, nil
}

// CaseByID returns the case id of desk, with its Content. A case of
// another desk is ErrNotFound, exactly like a case that does not exist.
func (db *DB) CaseByID(ctx context.Context, desk string, id int64) (Case, error) {
	var content []byte
	c, err := scanCase(db.sql.QueryRowContext(ctx,
		`SELECT `+caseColumnsC+` FROM cases c JOIN case_contents t ON t.case_id = c.id WHERE c.id = ? AND c.desk = ?`, id, desk), &content)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, fmt.Errorf("store: case %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Case{}, fmt.Errorf("store: case %d: %w", id, err)
	}
	c.Content = content
	return c, nil
}

// CaseBySubmission returns the case of a submission (without Content), or
// ErrNotFound while no desk has it yet.
func (db *DB) CaseBySubmission(ctx context.Context, submissionID string) (Case, error) {
	c, err := scanCase(db.sql.QueryRowContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE submission_id = ?`, submissionID))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, fmt.Errorf("store: case of submission: %w", ErrNotFound)
	}
	if err != nil {
		return Case{}, fmt.Errorf("store: case of submission: %w", err)
	}
	return c, nil
}

// CaseFilter selects the cases of one desk for the inbox. Zero fields do
// not filter.
type CaseFilter struct {
	Desk string // required
	// Status, Category, Area: codes.
	Status   string
	Category string
	Area     string
	// ReceivedFrom (inclusive) and ReceivedBefore (exclusive) bound
	// received_at.
	ReceivedFrom, ReceivedBefore time.Time
	// Assignee is a username; Unassigned selects cases with none.
	Assignee   string
	Unassigned bool
	// AwaitingBefore, when set, keeps the cases still waiting for their
	// first response that were received before it: the overdue ones, with
	// AwaitingBefore = now − the desk's first-response goal.
	AwaitingBefore time.Time
	// Unread keeps the cases with a submitter's message nobody has read.
	Unread bool
	// NewestFirst orders by received time descending (default: oldest
	// first, the order a desk works in).
	NewestFirst bool
	// Statuses are the status codes ByStatus counts (the desk's data).
	// Counting them by name lets the database pick its index by the
	// filter alone (no GROUP BY to avoid sorting): an index-only count.
	// Empty: every status present, by GROUP BY.
	Statuses []string
	// Limit (default 50, at most 1000) and Offset page the result.
	Limit, Offset int
}

// CasePage is one page of the inbox.
type CasePage struct {
	Cases []Case // without Content
	// Total counts every case matching the filter.
	Total int
	// ByStatus counts the cases matching the filter without its Status
	// condition, per status code (for the inbox's status tabs).
	ByStatus map[string]int
}

// where builds the WHERE clause of f; withStatus false leaves out the
// status condition (for the per-status counts).
func (f CaseFilter) where(withStatus bool) (string, []any) {
	conds := []string{"desk = ?"}
	args := []any{f.Desk}
	add := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	if withStatus && f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.Area != "" {
		add("area = ?", f.Area)
	}
	if !f.ReceivedFrom.IsZero() {
		add("received_at >= ?", f.ReceivedFrom.Unix())
	}
	if !f.ReceivedBefore.IsZero() {
		add("received_at < ?", f.ReceivedBefore.Unix())
	}
	switch {
	case f.Unassigned:
		add("assignee = ''")
	case f.Assignee != "":
		add("assignee = ?", f.Assignee)
	}
	if !f.AwaitingBefore.IsZero() {
		add("first_response_at IS NULL AND received_at < ?", f.AwaitingBefore.Unix())
	}
	if f.Unread {
		add("unread = TRUE")
	}
	return strings.Join(conds, " AND "), args
}

// onlyStatus reports a filter on the desk and at most the status: its
// per-status counts are case_counts.
func (f CaseFilter) onlyStatus() bool {
	g := f
	g.Status, g.NewestFirst, g.Limit, g.Offset, g.Statuses = "", false, 0, 0, nil
	return g.Category == "" && g.Area == "" && g.ReceivedFrom.IsZero() && g.ReceivedBefore.IsZero() &&
		g.Assignee == "" && !g.Unassigned && g.AwaitingBefore.IsZero() && !g.Unread
}

// queries are the two statements of ListCases: the page (ids from an
// index, then only the rows shown read from the table, so skipped rows
// cost no table look-up) and the counts per status.
func (f CaseFilter) queries() (page string, pageArgs []any, counts string, countArgs []any) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	f.Offset = max(f.Offset, 0)
	order := "received_at, id"
	if f.NewestFirst {
		order = "received_at DESC, id DESC"
	}
	where, args := f.where(true)
	page = `SELECT ` + caseColumns + ` FROM cases WHERE id IN
		    (SELECT id FROM cases WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?)
		ORDER BY ` + order
	pageArgs = append(args, f.Limit, f.Offset)
	where, countArgs = f.where(false)
	if len(f.Statuses) == 0 {
		counts = `SELECT status, count(*) FROM cases WHERE ` + where + ` GROUP BY status`
		return page, pageArgs, counts, countArgs
	}
	// One row: a count per named status, as (status, n) pairs through a
	// UNION would need the scan once per status.
	var sums []string
	var sumArgs []any
	for _, st := range f.Statuses {
		sums = append(sums, `COALESCE(sum(CASE WHEN status = ? THEN 1 ELSE 0 END), 0)`)
		sumArgs = append(sumArgs, st)
	}
	counts = `SELECT ` + strings.Join(sums, ", ") + ` FROM cases WHERE ` + where
	return page, pageArgs, counts, append(sumArgs, countArgs...)
}

// ListCases returns one page of the desk's cases matching f, the total
// and the per-status counts, read in one transaction so they agree.
// Content is not read: the list shows only clear columns.
func (db *DB) ListCases(ctx context.Context, f CaseFilter) (CasePage, error) {
	if f.Desk == "" {
		return CasePage{}, errors.New("store: list cases: no desk")
	}
	// One snapshot for the page and its counts: under PostgreSQL's default
	// READ COMMITTED each statement sees the commits made before it, so a
	// case committed between the two read a total of 1 over an empty page
	// (seen in CI). REPEATABLE READ reads every statement from the first
	// one's snapshot, and a read-only transaction never fails to serialise.
	// SQLite's read transaction keeps one snapshot already (WAL).
	opts := &sql.TxOptions{}
	if db.eng.name() == "postgres" {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return CasePage{}, fmt.Errorf("store: list cases: %w", err)
	}
	defer tx.Rollback()
	page := CasePage{ByStatus: map[string]int{}}
	pageQ, pageArgs, countQ, countArgs := f.queries()
	rows, err := tx.QueryContext(ctx, pageQ, pageArgs...)
	if err != nil {
		return CasePage{}, fmt.Errorf("store: list cases: %w", err)
	}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return CasePage{}, fmt.Errorf("store: list cases: %w", err)
		}
		page.Cases = append(page.Cases, c)
	}
	if err := rows.Close(); err != nil {
		return CasePage{}, fmt.Errorf("store: list cases: %w", err)
	}
	if err := rows.Err(); err != nil {
		return CasePage{}, fmt.Errorf("store: list cases: %w", err)
	}
	switch {
	case f.onlyStatus():
		// The tabs of an unfiltered inbox: kept counts, not a scan.
		err = scanCounts(ctx, tx, `SELECT status, n FROM case_counts WHERE desk = ? AND n > 0`, []any{f.Desk}, page.ByStatus)
	case len(f.Statuses) > 0:
		vals := make([]any, len(f.Statuses))
		ns := make([]int64, len(f.Statuses))
		for i := range ns {
			vals[i] = &ns[i]
		}
		err = tx.QueryRowContext(ctx, countQ, countArgs...).Scan(vals...)
		for i, st := range f.Statuses {
			if ns[i] > 0 {
				page.ByStatus[st] = int(ns[i])
			}
		}
	default:
		err = scanCounts(ctx, tx, countQ, countArgs, page.ByStatus)
	}
	if err != nil {
		return CasePage{}, fmt.Errorf("store: count cases: %w", err)
	}
	all := 0
	for _, n := range page.ByStatus {
		all += n
	}
	if f.Status != "" {
		page.Total = page.ByStatus[f.Status]
	} else {
		page.Total = all
	}
	return page, nil
}

// scanCounts reads (status, n) rows into into.
func scanCounts(ctx context.Context, tx *sqlTx, q string, args []any, into map[string]int) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		into[st] = n
	}
	return rows.Err()
}

// ExportCases calls fn with every case of desk received in [from, before),
// oldest first, Content included, inside one read transaction; an error
// from fn stops it and is returned.
func (db *DB) ExportCases(ctx context.Context, desk string, from, before time.Time, fn func(Case) error) error {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.eng.name() == "postgres"})
	if err != nil {
		return fmt.Errorf("store: export cases: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+caseColumnsC+` FROM cases c JOIN case_contents t ON t.case_id = c.id
		WHERE c.desk = ? AND c.received_at >= ? AND c.received_at < ? ORDER BY c.received_at, c.id`, desk, from.Unix(), before.Unix())
	if err != nil {
		return fmt.Errorf("store: export cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var content []byte
		c, err := scanCase(rows, &content)
		if err != nil {
			return fmt.Errorf("store: export cases: %w", err)
		}
		c.Content = content
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: export cases: %w", err)
	}
	return nil
}

// CaseEvents returns the history of case id (of desk), oldest first;
// with types given, only events of those types. A case of another desk is
// ErrNotFound.
func (db *DB) CaseEvents(ctx context.Context, desk string, id int64, types ...string) ([]CaseEvent, error) {
	q := `SELECT e.id, e.case_id, e.at, e.actor, e.type, e.status, e.outcome, e.assignee, e.body,
			(SELECT COUNT(*) FROM case_attachments a WHERE a.event_id = e.id)
		FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.case_id = ? AND c.desk = ?`
	args := []any{id, desk}
	if len(types) > 0 {
		q += ` AND e.type IN (?` + strings.Repeat(", ?", len(types)-1) + `)`
		for _, t := range types {
			args = append(args, t)
		}
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: events of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []CaseEvent
	for rows.Next() {
		var e CaseEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Type, &e.Status, &e.Outcome, &e.Assignee, &e.Body, &e.Photos); err != nil {
			return nil, fmt.Errorf("store: events of case %d: %w", id, err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events of case %d: %w", id, err)
	}
	return out, nil
}

// CaseChange is one desk action on a case, applied by UpdateCase.
type CaseChange struct {
	Desk   string
	CaseID int64
	// Actor is the staff username or "api:NAME".
	Actor string
	At    time.Time
	// Type is EventStatus, EventAssign, EventNote or EventMessageOut.
	Type string
	// FromStatus, for EventStatus, is the status the change was made
	// from; when set and the case is no longer in it, ErrStaleStatus.
	FromStatus string
	// Status and Outcome, for EventStatus: the new status and outcome
	// ("" unless closing).
	Status, Outcome string
	// Assignee, for EventAssign ("" unassigns).
	Assignee string
	// Body is the sealed note, message or reason; nil for none.
	Body []byte
	// Audit is written in the same transaction.
	Audit AuditEntry
}

// UpdateCase applies one desk action to a case of c.Desk, in one
// transaction with its history event and its audit entry: a status change
// (status, outcome), an assignment, an internal note or a message to the
// submitter. A status change and a message count as the case's first
// response. A case of another desk is ErrNotFound. It returns the event.
func (db *DB) UpdateCase(ctx context.Context, c CaseChange) (CaseEvent, error) {
	what := fmt.Sprintf("update case %d (%s)", c.CaseID, c.Type)
	tx, err := db.begin(ctx, what)
	if err != nil {
		return CaseEvent{}, err
	}
	defer tx.Rollback()
	at := c.At.Unix()
	var current string
	err = tx.QueryRowContext(ctx, `SELECT status FROM cases WHERE id = ? AND desk = ?`, c.CaseID, c.Desk).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseEvent{}, fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return CaseEvent{}, fmt.Errorf("store: %s: %w", what, err)
	}
	var res sql.Result
	switch c.Type {
	case EventStatus:
		if c.FromStatus != "" && c.FromStatus != current {
			return CaseEvent{}, fmt.Errorf("store: %s: %w", what, ErrStaleStatus)
		}
		res, err = tx.ExecContext(ctx, `UPDATE cases SET status = ?, outcome = ?, updated_at = ?,
			    first_response_at = COALESCE(first_response_at, ?) WHERE id = ? AND status = ?`,
			c.Status, c.Outcome, at, at, c.CaseID, current)
		if err == nil && c.Status != current {
			if err = countCase(ctx, tx, c.Desk, current, -1); err == nil {
				err = countCase(ctx, tx, c.Desk, c.Status, 1)
			}
		}
	case EventMessageOut:
		res, err = tx.ExecContext(ctx, `UPDATE cases SET updated_at = ?, first_response_at = COALESCE(first_response_at, ?) WHERE id = ?`,
			at, at, c.CaseID)
	case EventAssign:
		res, err = tx.ExecContext(ctx, `UPDATE cases SET assignee = ?, updated_at = ? WHERE id = ?`, c.Assignee, at, c.CaseID)
	case EventNote:
		res, err = tx.ExecContext(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, at, c.CaseID)
	default:
		return CaseEvent{}, fmt.Errorf("store: %s: not a desk action", what)
	}
	if err != nil {
		return CaseEvent{}, fmt.Errorf("store: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return CaseEvent{}, fmt.Errorf("store: %s: %w", what, ErrStaleStatus)
	}
	e := CaseEvent{CaseID: c.CaseID, At: time.Unix(at, 0).UTC(), Actor: c.Actor, Type: c.Type,
		Status: c.Status, Outcome: c.Outcome, Assignee: c.Assignee, Body: c.Body}
	if c.Type != EventStatus {
		e.Status, e.Outcome = "", ""
	}
	if c.Type != EventAssign {
		e.Assignee = ""
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO case_events (case_id, at, actor, type, status, outcome, assignee, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.CaseID, at, e.Actor, e.Type, e.Status, e.Outcome, e.Assignee, e.Body).Scan(&e.ID)
	if err != nil {
		return CaseEvent{}, fmt.Errorf("store: %s: event: %w", what, err)
	}
	if _, err := insertAudit(ctx, tx, c.Audit); err != nil {
		return CaseEvent{}, fmt.Errorf("store: %s: audit: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return CaseEvent{}, fmt.Errorf("store: %s: commit: %w", what, err)
	}
	return e, nil
}

// AddSubmitterMessage records a submitter's message on the case of
// submissionID and marks the case unread, in one transaction. at is
// truncated to the minute. nonceHash, when not empty, makes the message
// one-time: a second one with the same hash stores nothing and gives
// ErrDuplicateNonce. A submission without a case gives ErrNotFound.
//
// attachments are the message's photos, each sealed, stored in
// case_attachments with the message's event in the same transaction.
func (db *DB) AddSubmitterMessage(ctx context.Context, submissionID string, body []byte, nonceHash string, at time.Time, attachments ...[]byte) (CaseEvent, error) {
	tx, err := db.begin(ctx, "add submitter message")
	if err != nil {
		return CaseEvent{}, err
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE submission_id = ?`, submissionID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", ErrNotFound)
	}
	if err != nil {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", err)
	}
	minute := at.UTC().Truncate(time.Minute).Unix()
	var nonce any
	if nonceHash != "" {
		nonce = nonceHash
	}
	e := CaseEvent{CaseID: id, At: time.Unix(minute, 0).UTC(), Type: EventMessageIn, Body: body}
	err = tx.QueryRowContext(ctx, `INSERT INTO case_events (case_id, at, actor, type, body, nonce_hash)
		VALUES (?, ?, '', ?, ?, ?) ON CONFLICT (nonce_hash) DO NOTHING RETURNING id`,
		id, minute, EventMessageIn, body, nonce).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", ErrDuplicateNonce)
	}
	if err != nil {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET unread = TRUE, updated_at = ? WHERE id = ?`, minute, id); err != nil {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", err)
	}
	if err := insertCaseAttachments(ctx, tx, id, e.ID, attachments); err != nil {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return CaseEvent{}, fmt.Errorf("store: add submitter message: commit: %w", err)
	}
	return e, nil
}

// MarkCaseRead clears the unread mark of case id of desk (a desk member
// opened it). A case of another desk is ErrNotFound.
func (db *DB) MarkCaseRead(ctx context.Context, desk string, id int64) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE cases SET unread = FALSE WHERE id = ? AND desk = ? AND unread = TRUE`, id, desk)
	if err != nil {
		return fmt.Errorf("store: mark case %d read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		err := db.sql.QueryRowContext(ctx, `SELECT 1 FROM cases WHERE id = ? AND desk = ?`, id, desk).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: mark case %d read: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: mark case %d read: %w", id, err)
		}
	}
	return nil
}
