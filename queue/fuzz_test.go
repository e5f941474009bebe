package queue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzStreamName: StreamName never panics; what it accepts starts with
// StreamPrefix, has no white space, is idempotent, and anything it rejects
// is ErrInvalid.
func FuzzStreamName(f *testing.F) {
	for _, s := range []string{"police", "social-affairs", "portal:queue:police", "police:dead", "", " ", "Công an",
		"portal:queue:", "portal:queue:a b", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s, err := StreamName(name)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("StreamName(%q): %v does not wrap ErrInvalid", name, err)
			}
			return
		}
		if !strings.HasPrefix(s, StreamPrefix) || strings.ContainsAny(s, " \t\r\n") || len(s) > maxStreamNameLength {
			t.Fatalf("StreamName(%q) = %q", name, s)
		}
		if again, err := StreamName(s); err != nil || again != s {
			t.Fatalf("StreamName(%q) = %q, %v; not idempotent", s, again, err)
		}
	})
}

// FuzzEntryFromFields: fields read back from a stream (which another
// program may have written) never panic the decoder, and an entry we
// wrote always reads back equal, its received_at to the minute.
func FuzzEntryFromFields(f *testing.F) {
	f.Add("sub-1", "tip", "2026-11-29T08:00:00.5Z", `{"a":1}`)
	f.Add("", "", "", "")
	f.Add("x", "rehab_enquiry", "not a time", `{`)
	f.Add("x", "tip", "2026-11-29T08:00:00+07:00", `"ma tuý"`)
	f.Fuzz(func(t *testing.T, id, kind, received, data string) {
		fields := map[string]string{FieldID: id, FieldKind: kind, FieldReceivedAt: received, FieldData: data}
		e, err := entryFromFields("1-0", fields)
		if err == nil {
			if e.ID == "" || !json.Valid(e.Data) || (!e.ReceivedAt.IsZero() && e.ReceivedAt.Location() != time.UTC) {
				t.Fatalf("accepted %+v from %v", e, fields)
			}
		}
		// Round trip of a valid entry.
		in := Entry{ID: id, Kind: kind, ReceivedAt: time.Unix(int64(len(received))*1e6, int64(len(data))).UTC(), Data: json.RawMessage(data)}
		if validateEntry(StreamPolice, in) != nil {
			return
		}
		kv := entryFields(in)
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		out, err := entryFromFields("1-0", m)
		if err != nil || out.ID != in.ID || out.Kind != in.Kind || !out.ReceivedAt.Equal(in.ReceivedAt.Truncate(TimeResolution)) || string(out.Data) != string(in.Data) {
			t.Fatalf("round trip of %+v = %+v, %v", in, out, err)
		}
	})
}
