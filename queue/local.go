package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// LocalFile is the name of the embedded queue's SQLite file in the data dir.
const LocalFile = "queue.db"

// localPoll is how often a blocked Read looks at the file for entries
// published by another process; entries published through the same *Local
// wake it at once.
const localPoll = 50 * time.Millisecond

// localSchema is the embedded queue's schema, version 1. It mirrors Redis
// Streams: entries (append-only, id = seq, AUTOINCREMENT so an id is never
// reused), consumer groups with their last-delivered id, consumers, and the
// pending entries list with owner, last delivery time and delivery count.
// Fields are a JSON object of the same field names Redis holds. Every *_ms
// column holds the start of a minute (localMinutes, Local.nowMS).
const localSchema = `
CREATE TABLE IF NOT EXISTS streams (
	name TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	stream   TEXT    NOT NULL,
	fields   TEXT    NOT NULL,
	added_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_stream ON entries (stream, seq);
CREATE TABLE IF NOT EXISTS consumer_groups (
	stream         TEXT    NOT NULL,
	name           TEXT    NOT NULL,
	last_delivered INTEGER NOT NULL DEFAULT 0,
	created_ms     INTEGER NOT NULL,
	PRIMARY KEY (stream, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumers (
	stream  TEXT    NOT NULL,
	grp     TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	seen_ms INTEGER NOT NULL,
	PRIMARY KEY (stream, grp, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (
	stream       TEXT    NOT NULL,
	grp          TEXT    NOT NULL,
	seq          INTEGER NOT NULL,
	consumer     TEXT    NOT NULL,
	delivered_ms INTEGER NOT NULL,
	deliveries   INTEGER NOT NULL,
	PRIMARY KEY (stream, grp, seq)
) WITHOUT ROWID;
PRAGMA user_version = 1;
`

// localMinutes is version 2: every time the queue keeps is the start of a
// minute (TimeResolution). Files written by version 1 held milliseconds;
// they are rounded down once, in place.
const localMinutes = `
BEGIN IMMEDIATE;
UPDATE entries SET added_ms = added_ms - added_ms % 60000;
UPDATE consumer_groups SET created_ms = created_ms - created_ms % 60000;
UPDATE consumers SET seen_ms = seen_ms - seen_ms % 60000;
UPDATE pending SET delivered_ms = delivered_ms - delivered_ms % 60000;
PRAGMA user_version = 2;
COMMIT;
`

// localSchemaV3 adds the queue's epoch (Epoch): one random value per file.
const localSchemaV3 = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 3;
`

// Local is the embedded engine: a durable queue in one SQLite file
// (DATA_DIR/queue.db) with the semantics of Redis Streams and consumer
// groups. Every operation is one IMMEDIATE transaction in WAL mode with
// synchronous=FULL, so a nil error from Publish means the entry is on disk,
// and several processes (`portal serve` publishing, `portal queue consume`
// reading) can share the file; busy_timeout makes them wait for each other.
// It is safe for concurrent use.
type Local struct {
	db   *sql.DB
	path string
	now  func() time.Time

	mu     sync.Mutex
	wake   chan struct{} // closed and replaced on every Publish
	closed bool
}

// Compile-time checks that *Local is a Publisher and a Queue.
var (
	_ Publisher = (*Local)(nil)
	_ Queue     = (*Local)(nil)
)

// OpenLocal opens (creating the directory and file if needed) the embedded
// queue DATA_DIR/queue.db. Close it when done.
func OpenLocal(dataDir string) (*Local, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("%w: empty data dir", ErrInvalid)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: create data dir: %w", err)
	}
	path := filepath.Join(dataDir, LocalFile)
	// Create the file owner-only before SQLite does (it would use 0644):
	// it holds submissions. SQLite gives its -wal and -shm files the
	// database file's mode.
	// Files left wider by an older version are narrowed too.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("queue: open %s: %w", path, err)
		}
	}
	// secure_delete=ON: trimmed entries are overwritten with zeros rather
	// than left readable in free pages (TrimAcked also empties the WAL).
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=secure_delete(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	ctx := context.Background()
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	if version < 1 {
		if _, err := db.ExecContext(ctx, localSchema); err != nil {
			db.Close()
			return nil, fmt.Errorf("queue: create schema in %s: %w", path, err)
		}
	}
	if version < 2 {
		if _, err := db.ExecContext(ctx, localMinutes); err != nil {
			db.Close()
			return nil, fmt.Errorf("queue: coarsen times in %s: %w", path, err)
		}
	}
	if version < 3 {
		if _, err := db.ExecContext(ctx, localSchemaV3); err != nil {
			db.Close()
			return nil, fmt.Errorf("queue: update schema in %s: %w", path, err)
		}
	}
	return &Local{db: db, path: path, now: time.Now, wake: make(chan struct{})}, nil
}

// Path is the SQLite file's path.
func (l *Local) Path() string { return l.path }

// Close closes the file. Blocked Reads return.
func (l *Local) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.wake)
	}
	l.mu.Unlock()
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("queue: close %s: %w", l.path, err)
	}
	return nil
}

// nowMS is the time the embedded queue records (an entry's addition, a
// delivery, a consumer's last read, a group's creation): the start of the
// current minute in Unix milliseconds (TimeResolution), never finer.
func (l *Local) nowMS() int64 { return l.now().Truncate(TimeResolution).UnixMilli() }

// tx runs fn in one IMMEDIATE transaction.
func (l *Local) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Publish appends e to stream and returns its stream id (a decimal
// sequence number) once the transaction is synced to disk.
func (l *Local) Publish(ctx context.Context, stream string, e Entry) (string, error) {
	if err := validateEntry(stream, e); err != nil {
		return "", err
	}
	fields, err := encodeFields(entryFields(e))
	if err != nil {
		return "", fmt.Errorf("queue: publish %s to %s: %w", e.ID, stream, err)
	}
	var seq int64
	err = l.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO streams (name) VALUES (?)`, stream); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO entries (stream, fields, added_ms) VALUES (?, ?, ?) RETURNING seq`,
			stream, fields, l.nowMS()).Scan(&seq)
	})
	if err != nil {
		return "", fmt.Errorf("queue: publish %s to %s: %w", e.ID, stream, err)
	}
	l.mu.Lock()
	if !l.closed {
		close(l.wake)
		l.wake = make(chan struct{})
	}
	l.mu.Unlock()
	return strconv.FormatInt(seq, 10), nil
}

// CreateGroup creates group on stream from the first entry (like XGROUP
// CREATE … 0 MKSTREAM); an existing group is left as it is.
func (l *Local) CreateGroup(ctx context.Context, stream, group string) error {
	if err := checkStream(stream); err != nil {
		return err
	}
	if err := checkName("group", group); err != nil {
		return err
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO streams (name) VALUES (?)`, stream); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO consumer_groups (stream, name, last_delivered, created_ms) VALUES (?, ?, 0, ?)`,
			stream, group, l.nowMS())
		return err
	})
	if err != nil {
		return fmt.Errorf("queue: create group %s on %s: %w", group, stream, err)
	}
	return nil
}

// errNoGroup is returned (wrapped) when a group does not exist, like Redis's
// NOGROUP.
var errNoGroup = errors.New("no such consumer group (create it first)")

// Read delivers up to count new entries to consumer, waiting up to block
// (polling the file every 50 ms, or woken at once by a Publish through this
// *Local) when there are none.
func (l *Local) Read(ctx context.Context, stream, group, consumer string, count int, block time.Duration) ([]Message, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return nil, err
	}
	if count <= 0 {
		count = 1
	}
	deadline := time.Now().Add(block)
	for first := true; ; first = false {
		l.mu.Lock()
		wake := l.wake
		l.mu.Unlock()
		news := true
		if !first {
			// While waiting, look without taking the write lock (and
			// without an fsync per poll); the first pass always takes it,
			// registering the consumer as XREADGROUP does.
			var err error
			if news, err = l.hasNew(ctx, stream, group); err != nil {
				return nil, fmt.Errorf("queue: read %s as %s/%s: %w", stream, group, consumer, err)
			}
		}
		if news {
			msgs, err := l.readOnce(ctx, stream, group, consumer, count)
			if err != nil || len(msgs) > 0 {
				return msgs, err
			}
		}
		left := time.Until(deadline)
		if block <= 0 || left <= 0 {
			return []Message{}, nil
		}
		t := time.NewTimer(min(left, localPoll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("queue: read %s as %s/%s: %w", stream, group, consumer, ctx.Err())
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// hasNew reports, in a read-only statement, whether stream has entries the
// group has not delivered yet.
func (l *Local) hasNew(ctx context.Context, stream, group string) (bool, error) {
	var news bool
	err := l.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM entries e
			WHERE e.stream = g.stream AND e.seq > g.last_delivered)
		FROM consumer_groups g WHERE g.stream = ? AND g.name = ?`, stream, group).Scan(&news)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errNoGroup
	}
	return news, err
}

func (l *Local) readOnce(ctx context.Context, stream, group, consumer string, count int) ([]Message, error) {
	var out []Message
	err := l.tx(ctx, func(tx *sql.Tx) error {
		out = nil
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last_delivered FROM consumer_groups WHERE stream = ? AND name = ?`,
			stream, group).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoGroup
		}
		if err != nil {
			return err
		}
		now := l.nowMS()
		if err := touchConsumer(ctx, tx, stream, group, consumer, now); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, fields FROM entries WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?`,
			stream, last, count)
		if err != nil {
			return err
		}
		type row struct {
			seq    int64
			fields string
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.seq, &r.fields); err != nil {
				rows.Close()
				return err
			}
			got = append(got, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(got) == 0 {
			return nil
		}
		for _, r := range got {
			// Like XREADGROUP: an entry already pending (only after a
			// group reset) is re-assigned and its count incremented.
			var n int64
			err := tx.QueryRowContext(ctx, `INSERT INTO pending (stream, grp, seq, consumer, delivered_ms, deliveries)
				VALUES (?, ?, ?, ?, ?, 1)
				ON CONFLICT (stream, grp, seq) DO UPDATE SET consumer = excluded.consumer,
					delivered_ms = excluded.delivered_ms, deliveries = pending.deliveries + 1
				RETURNING deliveries`, stream, group, r.seq, consumer, now).Scan(&n)
			if err != nil {
				return err
			}
			out = append(out, localMessage(r.seq, r.fields, n))
		}
		_, err = tx.ExecContext(ctx, `UPDATE consumer_groups SET last_delivered = ? WHERE stream = ? AND name = ?`,
			got[len(got)-1].seq, stream, group)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: read %s as %s/%s: %w", stream, group, consumer, err)
	}
	if out == nil {
		out = []Message{}
	}
	return out, nil
}

// Claim moves up to count entries pending for at least minIdle (in any
// consumer of the group) to consumer and increments their delivery counts,
// like XAUTOCLAIM. Pending entries whose entry was trimmed are dropped from
// the pending list, as Redis 7 does.
func (l *Local) Claim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, count int) ([]Message, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return nil, err
	}
	if count <= 0 {
		count = 1
	}
	if minIdle < 0 {
		minIdle = 0
	}
	var out []Message
	err := l.tx(ctx, func(tx *sql.Tx) error {
		out = nil
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM consumer_groups WHERE stream = ? AND name = ?`, stream, group).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoGroup
		}
		if err != nil {
			return err
		}
		now := l.nowMS()
		if err := touchConsumer(ctx, tx, stream, group, consumer, now); err != nil {
			return err
		}
		// delivered_ms is the start of the minute of the last delivery,
		// so an entry is surely idle for minIdle only once that whole
		// minute lies minIdle in the past: claims come up to a minute
		// later than asked, never earlier (minIdle 0 takes them all).
		idleBefore := l.now().UnixMilli() - minIdle.Milliseconds()
		if minIdle > 0 {
			idleBefore -= TimeResolution.Milliseconds()
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.seq, e.fields, p.deliveries FROM pending p
			LEFT JOIN entries e ON e.seq = p.seq
			WHERE p.stream = ? AND p.grp = ? AND p.delivered_ms <= ?
			ORDER BY p.seq LIMIT ?`, stream, group, idleBefore, count)
		if err != nil {
			return err
		}
		type row struct {
			seq        int64
			fields     sql.NullString
			deliveries int64
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.seq, &r.fields, &r.deliveries); err != nil {
				rows.Close()
				return err
			}
			got = append(got, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, r := range got {
			if !r.fields.Valid {
				if _, err := tx.ExecContext(ctx, `DELETE FROM pending WHERE stream = ? AND grp = ? AND seq = ?`,
					stream, group, r.seq); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE pending SET consumer = ?, delivered_ms = ?, deliveries = deliveries + 1
				WHERE stream = ? AND grp = ? AND seq = ?`, consumer, now, stream, group, r.seq); err != nil {
				return err
			}
			out = append(out, localMessage(r.seq, r.fields.String, r.deliveries+1))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: claim on %s as %s/%s: %w", stream, group, consumer, err)
	}
	if out == nil {
		out = []Message{}
	}
	return out, nil
}

// Ack removes entries from the group's pending list.
func (l *Local) Ack(ctx context.Context, stream, group string, streamIDs ...string) (int64, error) {
	if err := checkStream(stream); err != nil {
		return 0, err
	}
	if err := checkName("group", group); err != nil {
		return 0, err
	}
	seqs := make([]int64, len(streamIDs))
	for i, id := range streamIDs {
		s, err := parseLocalID(id)
		if err != nil {
			return 0, err
		}
		seqs[i] = s
	}
	if len(seqs) == 0 {
		return 0, nil
	}
	var n int64
	err := l.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, s := range seqs {
			res, err := tx.ExecContext(ctx, `DELETE FROM pending WHERE stream = ? AND grp = ? AND seq = ?`, stream, group, s)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue: ack %d entries on %s for %s: %w", len(seqs), stream, group, err)
	}
	return n, nil
}

// DeadLetter copies the pending entry to DeadLetterStream(stream) with the
// Dead* fields (reason among them) and acks it, in one transaction.
func (l *Local) DeadLetter(ctx context.Context, stream, group, streamID string, deliveries int64, reason string) (bool, error) {
	if err := checkStream(stream); err != nil {
		return false, err
	}
	if err := checkName("group", group); err != nil {
		return false, err
	}
	seq, err := parseLocalID(streamID)
	if err != nil {
		return false, err
	}
	moved := false
	err = l.tx(ctx, func(tx *sql.Tx) error {
		moved = false
		var fields sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT e.fields FROM pending p LEFT JOIN entries e ON e.seq = p.seq
			WHERE p.stream = ? AND p.grp = ? AND p.seq = ?`, stream, group, seq).Scan(&fields)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		f := map[string]string{}
		if fields.Valid {
			if err := json.Unmarshal([]byte(fields.String), &f); err != nil {
				return fmt.Errorf("decode entry %d: %w", seq, err)
			}
		}
		f[FieldDeadFrom] = streamID
		f[FieldDeadGroup] = group
		f[FieldDeadDeliveries] = strconv.FormatInt(deliveries, 10)
		f[FieldDeadReason] = reason
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		dead := DeadLetterStream(stream)
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO streams (name) VALUES (?)`, dead); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO entries (stream, fields, added_ms) VALUES (?, ?, ?)`,
			dead, string(b), l.nowMS()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending WHERE stream = ? AND grp = ? AND seq = ?`,
			stream, group, seq); err != nil {
			return err
		}
		moved = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("queue: dead-letter %s on %s for %s: %w", streamID, stream, group, err)
	}
	return moved, nil
}

// Stats counts the stream's entries, its groups' pending entries and lag,
// and its dead-letter stream's entries.
func (l *Local) Stats(ctx context.Context, stream string) (StreamStats, error) {
	st := StreamStats{Stream: stream, Groups: []GroupStats{}}
	if err := checkStream(stream); err != nil {
		return st, err
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		st.Groups = []GroupStats{}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE stream = ?`, stream).Scan(&st.Length); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE stream = ?`, DeadLetterStream(stream)).Scan(&st.DeadLetters); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT g.name, g.last_delivered,
				(SELECT count(*) FROM consumers c WHERE c.stream = g.stream AND c.grp = g.name),
				(SELECT count(*) FROM pending p WHERE p.stream = g.stream AND p.grp = g.name),
				(SELECT count(*) FROM entries e WHERE e.stream = g.stream AND e.seq > g.last_delivered)
			FROM consumer_groups g WHERE g.stream = ? ORDER BY g.name`, stream)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g GroupStats
			var last int64
			if err := rows.Scan(&g.Name, &last, &g.Consumers, &g.Pending, &g.Lag); err != nil {
				return err
			}
			g.LastDeliveredID = strconv.FormatInt(last, 10)
			st.Groups = append(st.Groups, g)
		}
		return rows.Err()
	})
	if err != nil {
		return st, fmt.Errorf("queue: stats of %s: %w", stream, err)
	}
	return st, nil
}

// Streams lists the agency streams in the file.
func (l *Local) Streams(ctx context.Context) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT name FROM streams WHERE substr(name, 1, ?) = ? ORDER BY name`,
		len(StreamPrefix), StreamPrefix)
	if err != nil {
		return nil, fmt.Errorf("queue: list streams: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("queue: list streams: %w", err)
		}
		if !strings.HasSuffix(s, DeadSuffix) {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: list streams: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// RemoveConsumer deletes consumer from group when it has no pending
// entries.
func (l *Local) RemoveConsumer(ctx context.Context, stream, group, consumer string) (bool, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return false, err
	}
	removed := false
	err := l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM consumers WHERE stream = ? AND grp = ? AND name = ?
			AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.stream = ? AND p.grp = ? AND p.consumer = ?)`,
			stream, group, consumer, stream, group, consumer)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		removed = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("queue: remove consumer %s/%s from %s: %w", group, consumer, stream, err)
	}
	return removed, nil
}

// TrimAcked deletes the entries of stream that every group has
// acknowledged: those before the oldest entry some group still has pending
// or has not yet delivered. A stream without groups is left untouched. It
// returns the number of entries deleted. When it deleted any, it then
// checkpoints the write-ahead log and truncates it (best effort: another
// process reading at that moment keeps the log until the next trim), so
// that, with secure_delete, the trimmed text leaves the disk.
func (l *Local) TrimAcked(ctx context.Context, stream string) (int64, error) {
	if err := checkStream(stream); err != nil {
		return 0, err
	}
	var n int64
	err := l.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		var keep sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT min(coalesce(
				(SELECT min(p.seq) FROM pending p WHERE p.stream = g.stream AND p.grp = g.name),
				g.last_delivered + 1))
			FROM consumer_groups g WHERE g.stream = ?`, stream).Scan(&keep)
		if err != nil {
			return err
		}
		if !keep.Valid {
			return nil
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE stream = ? AND seq < ?`, stream, keep.Int64)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue: trim acknowledged entries of %s: %w", stream, err)
	}
	if n > 0 {
		if _, err := l.Checkpoint(ctx); err != nil {
			return n, fmt.Errorf("queue: trim %s: %w", stream, err)
		}
	}
	return n, nil
}

// Checkpoint copies the write-ahead log into the queue file and truncates
// the log (PRAGMA wal_checkpoint(TRUNCATE)), so that page images of deleted
// entries do not stay in it. It reports whether the log was emptied; a
// reader in another process can keep it from finishing, which is not an
// error (the next call retries).
func (l *Local) Checkpoint(ctx context.Context) (bool, error) {
	var busy, logFrames, checkpointed int
	if err := l.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
		return false, fmt.Errorf("queue: checkpoint %s: %w", l.path, err)
	}
	return busy == 0, nil
}

func touchConsumer(ctx context.Context, tx *sql.Tx, stream, group, consumer string, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO consumers (stream, grp, name, seen_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (stream, grp, name) DO UPDATE SET seen_ms = excluded.seen_ms`, stream, group, consumer, now)
	return err
}

func localMessage(seq int64, fields string, deliveries int64) Message {
	id := strconv.FormatInt(seq, 10)
	m := Message{StreamID: id, Deliveries: deliveries}
	f := map[string]string{}
	if err := json.Unmarshal([]byte(fields), &f); err != nil {
		m.Err = fmt.Errorf("queue: decode entry %s: %w", id, err)
		return m
	}
	m.Entry, m.Err = entryFromFields(id, f)
	fillDead(&m, f)
	return m
}

func encodeFields(kv []string) (string, error) {
	f := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	b, err := json.Marshal(f)
	return string(b), err
}

func parseLocalID(id string) (int64, error) {
	s, err := strconv.ParseInt(id, 10, 64)
	if err != nil || s <= 0 {
		return 0, fmt.Errorf("%w: stream id %q is not an id of the embedded queue", ErrInvalid, id)
	}
	return s, nil
}
