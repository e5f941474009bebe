package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Field names of a stream entry, the same in Redis and in the embedded queue.
// An entry carries exactly these fields (dead-lettered copies carry the
// Dead* fields as well); nothing that identifies the sender.
const (
	FieldID         = "id"          // Entry.ID, the submission id
	FieldKind       = "kind"        // Entry.Kind
	FieldReceivedAt = "received_at" // Entry.ReceivedAt, RFC 3339 UTC with nanoseconds
	FieldData       = "data"        // Entry.Data, JSON

	// FieldDeadFrom is the stream id the entry had on its original stream.
	FieldDeadFrom = "dead_from"
	// FieldDeadGroup is the consumer group that gave up on the entry.
	FieldDeadGroup = "dead_group"
	// FieldDeadDeliveries is how many times the group had delivered it.
	FieldDeadDeliveries = "dead_deliveries"
)

// StreamPrefix is the prefix of every agency queue's stream name.
const StreamPrefix = "portal:queue:"

// DeadSuffix is appended to a stream name to name its dead-letter stream.
const DeadSuffix = ":dead"

// Stream names of the agency queues (DESIGN.md, "Data flow of a tip").
const (
	StreamPolice        = StreamPrefix + "police"
	StreamSocialAffairs = StreamPrefix + "social-affairs"
)

const (
	maxStreamNameLength = 200
	maxGroupOrConsumer  = 200
)

// ErrInvalid is wrapped by every error about a bad argument (empty stream,
// entry without id, data that is not JSON …), so callers can tell a bug in
// their input from an engine that is down.
var ErrInvalid = errors.New("queue: invalid argument")

// StreamName turns a queue name given by a person ("police",
// "social-affairs") or a full stream name ("portal:queue:police") into the
// stream name. Any other short name made of lower-case letters, digits and
// '-' is accepted too and gets StreamPrefix, so agencies added in the routing
// data need no code change, and "police:dead" names the police queue's
// dead-letter stream. It returns an error wrapping ErrInvalid for an
// empty or malformed name.
func StreamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("%w: empty queue name", ErrInvalid)
	}
	if strings.HasPrefix(name, StreamPrefix) {
		if err := checkStream(name); err != nil {
			return "", err
		}
		return name, nil
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == ':') {
			return "", fmt.Errorf("%w: queue name %q: use police, social-affairs or a full stream name %s…", ErrInvalid, name, StreamPrefix)
		}
	}
	full := StreamPrefix + name
	if err := checkStream(full); err != nil {
		return "", err
	}
	return full, nil
}

// DeadLetterStream is the name of the dead-letter stream of stream.
func DeadLetterStream(stream string) string { return stream + DeadSuffix }

func checkStream(stream string) error {
	if stream == "" {
		return fmt.Errorf("%w: empty stream name", ErrInvalid)
	}
	if len(stream) > maxStreamNameLength {
		return fmt.Errorf("%w: stream name longer than %d bytes", ErrInvalid, maxStreamNameLength)
	}
	if strings.ContainsAny(stream, " \t\r\n") {
		return fmt.Errorf("%w: stream name %q contains white space", ErrInvalid, stream)
	}
	return nil
}

func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s name", ErrInvalid, what)
	}
	if len(name) > maxGroupOrConsumer {
		return fmt.Errorf("%w: %s name longer than %d bytes", ErrInvalid, what, maxGroupOrConsumer)
	}
	return nil
}

// validateEntry checks what both engines require of an entry before it is
// appended.
func validateEntry(stream string, e Entry) error {
	if err := checkStream(stream); err != nil {
		return err
	}
	if e.ID == "" {
		return fmt.Errorf("%w: entry without id", ErrInvalid)
	}
	if e.Kind == "" {
		return fmt.Errorf("%w: entry %s without kind", ErrInvalid, e.ID)
	}
	if e.ReceivedAt.IsZero() {
		return fmt.Errorf("%w: entry %s without received_at", ErrInvalid, e.ID)
	}
	if len(e.Data) == 0 || !json.Valid(e.Data) {
		return fmt.Errorf("%w: entry %s: data is not valid JSON", ErrInvalid, e.ID)
	}
	return nil
}

// entryFields is the ordered field list of e, as stored by both engines.
func entryFields(e Entry) []string {
	return []string{
		FieldID, e.ID,
		FieldKind, e.Kind,
		FieldReceivedAt, e.ReceivedAt.UTC().Format(time.RFC3339Nano),
		FieldData, string(e.Data),
	}
}

// entryFromFields rebuilds an Entry from stored fields. A stream written by
// someone else may hold entries without our fields; they are reported as an
// error naming the stream id so the consumer can dead-letter them.
func entryFromFields(streamID string, f map[string]string) (Entry, error) {
	var e Entry
	e.ID = f[FieldID]
	e.Kind = f[FieldKind]
	if e.ID == "" {
		return e, fmt.Errorf("queue: stream entry %s has no %q field", streamID, FieldID)
	}
	if s := f[FieldReceivedAt]; s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return e, fmt.Errorf("queue: stream entry %s: parse %s: %w", streamID, FieldReceivedAt, err)
		}
		e.ReceivedAt = t.UTC()
	}
	data := f[FieldData]
	if data == "" || !json.Valid([]byte(data)) {
		return e, fmt.Errorf("queue: stream entry %s: %q is not valid JSON", streamID, FieldData)
	}
	e.Data = json.RawMessage(data)
	return e, nil
}

// fillDead copies the dead-letter fields, when present, into m.
func fillDead(m *Message, f map[string]string) {
	m.DeadFrom = f[FieldDeadFrom]
	m.DeadGroup = f[FieldDeadGroup]
	if s := f[FieldDeadDeliveries]; s != "" {
		m.DeadDeliveries, _ = strconv.ParseInt(s, 10, 64)
	}
}
