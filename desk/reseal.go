package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// ErrNoDeskKey is returned by SealUnsealed when the desk has no key pair
// yet: there is nothing to seal to.
var ErrNoDeskKey = errors.New("desk: the desk has no key pair (portal desk init)")

// SealUnsealed seals, to desk's key pair, everything of desk's cases that
// was stored in clear before `portal desk init`: the submissions, notes,
// status reasons and photos to the desk alone; the messages of the
// conversation to the desk and, where the case has recorded one, the
// sender's receipt key (seal.Scope.Submitter), otherwise to the desk
// alone (the sender's look-up then says that an older message cannot be
// shown). It reports how many blobs it sealed. A blob another process
// seals meanwhile is skipped, so running it again, or from two places at
// once, is safe. ErrNoDeskKey when sealer stores in clear because the desk
// has no key pair.
func SealUnsealed(ctx context.Context, db *store.DB, sealer Sealer, desk string) (int, error) {
	prefix := seal.Header()
	refs, err := db.UnsealedBlobs(ctx, desk, prefix)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		plain, err := db.Blob(ctx, r)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile (retention)
		}
		if err != nil {
			return n, err
		}
		if seal.IsSealed(plain) {
			continue
		}
		scope := Scope{Desk: desk}
		if r.Table == store.BlobCaseEvent && (r.EventType == store.EventMessageIn || r.EventType == store.EventMessageOut) {
			scope.Submitter, scope.SubmitterKey = true, r.SubmitterKey
		}
		sealed, err := sealer.Seal(ctx, scope, plain)
		if err != nil {
			return n, fmt.Errorf("desk: seal %s %d: %w", r.Table, r.ID, err)
		}
		if !seal.IsSealed(sealed) {
			return n, ErrNoDeskKey
		}
		ok, err := db.ReplaceUnsealedBlob(ctx, r, prefix, sealed)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		// The plain versions' page images stay in SQLite's write-ahead
		// log until a checkpoint; readers may keep it from finishing
		// now, and the forwarder's next checkpoint empties it then.
		if _, err := db.CheckpointOutbox(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}
