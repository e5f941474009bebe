package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field names of a stream entry, the same in Redis and in the embedded queue.
// An entry carries exactly these fields (dead-lettered copies carry the
// Dead* fields as well); nothing that identifies the sender.
const (
	FieldID         = "id"          // Entry.ID, the submission id
	FieldKind       = "kind"        // Entry.Kind
	FieldReceivedAt = "received_at" // Entry.ReceivedAt, RFC 3339 UTC, to the minute ("2026-11-29T08:07:00Z")
	FieldData       = "data"        // Entry.Data, JSON

	// FieldDeadFrom is the stream id the entry had on its original stream.
	FieldDeadFrom = "dead_from"
	// FieldDeadGroup is the consumer group that gave up on the entry.
	FieldDeadGroup = "dead_group"
	// FieldDeadDeliveries is how many times the group had delivered it.
	FieldDeadDeliveries = "dead_deliveries"
	// FieldDeadReason says why it was moved aside: one of the Reason*
	// values, then ": " and a detail where there is one
	// ("unknown_kind: payment").
	FieldDeadReason = "dead_reason"
)

// Reasons a consumer moves an entry to the dead-letter stream
// (FieldDeadReason).
const (
	// ReasonMaxDeliveries: delivered more times than the consumer allows
	// without being acknowledged (a message that crashes its consumer).
	ReasonMaxDeliveries = "max_deliveries"
	// ReasonMalformed: the stored fields do not make an Entry (a stream
	// written by another program).
	ReasonMalformed = "malformed"
	// ReasonUnknownKind: an entry whose kind is not one the routing sends
	// to this stream, written by someone else; never delivered as if real.
	ReasonUnknownKind = "unknown_kind"
)

// TimeResolution is the finest time the queue keeps about a submission:
// received_at is truncated to it, stream ids carry the start of a minute
// (Redis) or a sequence number (embedded), and the embedded queue's own
// bookkeeping times are minutes too. A time to the millisecond would let
// whoever reads the queue match an entry against network or proxy logs
// (DESIGN.md, non-negotiables).
const TimeResolution = time.Minute

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
		FieldReceivedAt, e.ReceivedAt.UTC().Truncate(TimeResolution).Format(time.RFC3339),
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
	m.DeadReason = f[FieldDeadReason]
}

// DeadReason returns the reason a consumer records when it moves m to the
// dead-letter stream instead of delivering it, or "" when m is to be
// delivered: ReasonMalformed for fields that make no Entry,
// ReasonUnknownKind (with the kind) when knownKind, if not nil, rejects
// m.Kind, ReasonMaxDeliveries when m was delivered more than
// maxDeliveries times (maxDeliveries <= 0: no bound). Entries of a
// dead-letter stream are not checked for their kind: they are there to be
// read as they are.
func DeadReason(stream string, m Message, knownKind func(string) bool, maxDeliveries int64) string {
	switch {
	case m.Err != nil:
		return ReasonMalformed
	case knownKind != nil && !strings.HasSuffix(stream, DeadSuffix) && !knownKind(m.Kind):
		return ReasonUnknownKind + ": " + clip(m.Kind, 100)
	case maxDeliveries > 0 && m.Deliveries > maxDeliveries:
		return ReasonMaxDeliveries
	}
	return ""
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
