// Package seal encrypts what submitters and desks write, before it is
// written anywhere, to the age (X25519) public key of the desk it belongs
// to, and opens it again with private keys that only a signed-in desk
// session or a desk API token holds in memory (issue 11).
//
// A sealed blob is an age file (binary format, "age-encryption.org/v1"
// header). Anything else is plain JSON written before its desk had a key
// (or by a portal without `portal desk init`), and opens as it is.
//
// Package seal sits below intake and desk, which both seal: intake the
// submission before the outbox, desk the messages, notes and reasons. It
// imports no web framework.
package seal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// header starts every age file in the binary format.
var header = []byte("age-encryption.org/v1\n")

// ErrSealed is returned (wrapped) when content cannot be opened with the
// keys ctx holds: nobody signed in to its desk, or the wrong desk.
var ErrSealed = errors.New("seal: content is sealed")

// Scope says whose content a blob is, so that a Sealer can choose the keys
// that seal it and the keys that may open it.
type Scope struct {
	// Desk is the code of the desk whose case the content belongs to.
	Desk string
	// Submitter reports content the submitter reads back at /tra-cuu:
	// the messages of the conversation, in both directions. Submissions,
	// internal notes and status reasons are the desk's alone.
	Submitter bool
	// SubmitterKey is the age recipient ("age1…") derived from the
	// submission's receipt (SubmitterIdentity), stored in clear with the
	// case; Submitter content is sealed to it as well as to the desk. ""
	// for submissions made before keys existed: then only the desk can
	// open it... and the sender at /tra-cuu cannot (see docs/security.md).
	SubmitterKey string
}

// Header returns the bytes every sealed blob starts with (age's binary
// format header, "age-encryption.org/v1\n"): what a query tells sealed
// blobs from plain ones by. A copy: callers may keep it.
func Header() []byte { return bytes.Clone(header) }

// IsSealed reports whether blob is an age file (as opposed to plain JSON).
func IsSealed(blob []byte) bool { return bytes.HasPrefix(blob, header) }

// Encrypt seals plain to the recipients (age binary format).
func Encrypt(plain []byte, recipients ...age.Recipient) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("seal: no recipient")
	}
	var buf bytes.Buffer
	buf.Grow(len(plain) + 300*len(recipients))
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("seal: encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("seal: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal: encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// Decrypt opens an age blob with any of the identities; ErrSealed (wrapped)
// when none fits.
func Decrypt(blob []byte, ids ...age.Identity) ([]byte, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no key in this session", ErrSealed)
	}
	r, err := age.Decrypt(bytes.NewReader(blob), ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("%w: no matching key", ErrSealed)
		}
		return nil, fmt.Errorf("seal: decrypt: %w", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("seal: decrypt: %w", err)
	}
	return out, nil
}

// keysKey is the context key of the identities a request holds.
type keysKey struct{}

// held is what one request may open with: the desks' private keys of its
// session or token, and a submitter's receipt-derived key.
type held struct {
	desks     map[string]*age.X25519Identity
	submitter *age.X25519Identity
}

// WithDeskKey returns ctx holding desk's private key (from a signed-in
// session or a desk API token), added to what ctx already holds.
func WithDeskKey(ctx context.Context, desk string, id *age.X25519Identity) context.Context {
	old, _ := ctx.Value(keysKey{}).(held)
	h := held{desks: map[string]*age.X25519Identity{}, submitter: old.submitter}
	for k, v := range old.desks {
		h.desks[k] = v
	}
	h.desks[desk] = id
	return context.WithValue(ctx, keysKey{}, h)
}

// WithSubmitterKey returns ctx holding a receipt holder's key
// (SubmitterIdentity), which opens only Scope.Submitter content.
func WithSubmitterKey(ctx context.Context, id *age.X25519Identity) context.Context {
	old, _ := ctx.Value(keysKey{}).(held)
	return context.WithValue(ctx, keysKey{}, held{desks: old.desks, submitter: id})
}

// SubmitterRecipient returns the public key ("age1…") of the receipt
// holder's key that ctx holds (WithSubmitterKey), if any: what a case made
// before its desk had a key pair records at the sender's next look-up, so
// that later messages are sealed to the sender too.
func SubmitterRecipient(ctx context.Context) (string, bool) {
	h, _ := ctx.Value(keysKey{}).(held)
	if h.submitter == nil {
		return "", false
	}
	return h.submitter.Recipient().String(), true
}

// DeskKey returns the private key of desk that ctx holds, if any.
func DeskKey(ctx context.Context, desk string) (*age.X25519Identity, bool) {
	h, _ := ctx.Value(keysKey{}).(held)
	id, ok := h.desks[desk]
	return id, ok
}

// PublicKeys gives the age recipient of a desk, or ok false while the desk
// has no key pair (before `portal desk init`). Keyring implements it.
type PublicKeys interface {
	Recipient(ctx context.Context, desk string) (age.Recipient, bool, error)
}

// Sealer is the age implementation of desk.Sealer (and what intake seals
// submissions with). Seal encrypts to the desk's public key (and the
// submitter's for Scope.Submitter); while the desk has no key pair it
// stores the JSON as it is, like desk.PlainSealer, and serve warns at
// start. Open opens age blobs with the keys in ctx and returns plain JSON
// as it is.
type Sealer struct {
	Keys PublicKeys
}

// Seal turns the JSON document plain into the blob to store.
func (s Sealer) Seal(ctx context.Context, scope Scope, plain []byte) ([]byte, error) {
	if !json.Valid(plain) {
		return nil, errors.New("seal: content is not a JSON document")
	}
	r, ok, err := s.Keys.Recipient(ctx, scope.Desk)
	if err != nil {
		return nil, err
	}
	if !ok {
		return plain, nil
	}
	rs := []age.Recipient{r}
	if scope.Submitter && scope.SubmitterKey != "" {
		sr, err := age.ParseX25519Recipient(scope.SubmitterKey)
		if err != nil {
			return nil, fmt.Errorf("seal: submitter key: %w", err)
		}
		rs = append(rs, sr)
	}
	return Encrypt(plain, rs...)
}

// Open turns a stored blob back into its JSON document. Sealed content
// opens with the desk's key in ctx, or for Scope.Submitter content also
// with the submitter's; otherwise the error wraps ErrSealed.
func (s Sealer) Open(ctx context.Context, scope Scope, blob []byte) ([]byte, error) {
	if !IsSealed(blob) {
		if !json.Valid(blob) {
			return nil, errors.New("seal: stored content is neither sealed nor JSON")
		}
		return blob, nil
	}
	h, _ := ctx.Value(keysKey{}).(held)
	var ids []age.Identity
	if id, ok := h.desks[scope.Desk]; ok {
		ids = append(ids, id)
	}
	if scope.Submitter && h.submitter != nil {
		ids = append(ids, h.submitter)
	}
	return Decrypt(blob, ids...)
}
