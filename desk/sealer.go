package desk

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/thaibinh-pcmt/portal/seal"
)

// Scope says whose content a blob is, so that a Sealer can choose the keys
// that seal it and the keys that may open it. It is seal.Scope (Desk,
// Submitter, SubmitterKey), so that intake, below desk, seals with the
// same rules.
type Scope = seal.Scope

// Sealer is the one seam through which everything a person writes passes
// on its way into and out of the system of record: the submission a case
// is made from, every message in both directions, internal notes and the
// reasons of status changes. The desk package seals each as one JSON
// document before it calls the store and opens it after; the store only
// ever sees the blobs (cases.content, case_events.body) and never filters
// or sorts on them. What the inbox filters and routing need (kind,
// category or substance, area, status, dates, assignment, unread) is kept
// in clear columns beside them.
//
// seal.Sealer is the implementation serve uses (issue 11): it seals to the
// desk's age public key (and, for Scope.Submitter content, to the key the
// receipt holder derives, Scope.SubmitterKey) and opens with keys that
// only a signed-in session or a desk API token hold, which it finds in ctx
// (seal.WithDeskKey). PlainSealer stores the JSON as it is (tests).
type Sealer interface {
	// Seal turns the JSON document plain into the blob to store.
	Seal(ctx context.Context, scope Scope, plain []byte) ([]byte, error)
	// Open turns a stored blob back into its JSON document. A Sealer
	// that cannot open it (no key in ctx) returns an error wrapping
	// ErrSealed.
	Open(ctx context.Context, scope Scope, sealed []byte) ([]byte, error)
}

// ErrSealed is wrapped by Sealer.Open when the content cannot be opened
// with what ctx holds (seal.ErrSealed).
var ErrSealed = seal.ErrSealed

// PlainSealer is the Sealer of a portal without encryption at rest: the
// blob is the JSON document itself. It checks that what it seals and opens
// is JSON, so that nothing else slips into the content columns.
type PlainSealer struct{}

var (
	_ Sealer = PlainSealer{}
	_ Sealer = seal.Sealer{}
)

// Seal returns plain unchanged, or an error when it is not valid JSON.
func (PlainSealer) Seal(_ context.Context, _ Scope, plain []byte) ([]byte, error) {
	if !json.Valid(plain) {
		return nil, errors.New("desk: seal: content is not a JSON document")
	}
	return plain, nil
}

// Open returns sealed unchanged, or an error when it is not valid JSON
// (e.g. a blob sealed by another Sealer).
func (PlainSealer) Open(_ context.Context, _ Scope, sealed []byte) ([]byte, error) {
	if !json.Valid(sealed) {
		return nil, errors.New("desk: open: stored content is not plain JSON (sealed by another Sealer?)")
	}
	return sealed, nil
}

// text is the JSON document of a message, note or reason.
type text struct {
	Body string `json:"body"`
}

// seal encodes v as JSON and seals it.
func (s *Service) seal(ctx context.Context, scope Scope, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.sealer.Seal(ctx, scope, b)
}

// open opens a blob and decodes its JSON into v.
func (s *Service) open(ctx context.Context, scope Scope, blob []byte, v any) error {
	b, err := s.sealer.Open(ctx, scope, blob)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// openText opens a message, note or reason; an empty blob is "".
func (s *Service) openText(ctx context.Context, scope Scope, blob []byte) (string, error) {
	if len(blob) == 0 {
		return "", nil
	}
	var t text
	if err := s.open(ctx, scope, blob, &t); err != nil {
		return "", err
	}
	return t.Body, nil
}
