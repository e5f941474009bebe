package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// Photos of a case (issue 16, phase 2). A tip's photos reach the desk
// beside its queue entry: the entry refers to them (intake.AttachmentRef)
// and Ingest takes them from the outbox and stores them with the case
// (store.CreateCases). A photo intake sealed to the desk's key (the desk
// had one when the tip came) moves as it is; one that waited plain is
// sealed now through the Sealer (Scope{Desk}: the desk's alone). Either
// way case_attachments holds an intake.PhotoDocument, sealed or (no key)
// plain, and Photo opens both. A sender's follow-up message carries its
// own (Reply). They are deleted with the case (ON DELETE CASCADE).

// Photo is one photo of a case, as its desk downloads it.
type Photo struct {
	ID int64
	// ContentType is "image/jpeg".
	ContentType   string
	Width, Height int
	// Data is the sanitised JPEG (package photo).
	Data []byte
}

// PhotoInfo is one photo in a case's list, without its bytes.
type PhotoInfo struct {
	ID int64
	// MessageID is the event of the sender's message that carried it;
	// 0 for the photos sent with the submission.
	MessageID int64
	// Index is its position among the photos of the submission or
	// message, from 0.
	Index int
}

// sealPhoto seals one sanitised JPEG of desk's case.
func (s *Service) sealPhoto(ctx context.Context, desk string, a intake.Attachment) ([]byte, error) {
	return intake.SealPhoto(ctx, s.sealer, desk, a)
}

// outboxPhotos returns the sealed photos of the submission of m, which
// refers to them with refs, from the outbox: those intake sealed as they
// are, the plain JPEGs sealed now. missing reports that the
// outbox no longer holds them all.
func (s *Service) outboxPhotos(ctx context.Context, desk, submissionID string, refs []intake.AttachmentRef) (sealed [][]byte, missing bool, err error) {
	raw, err := s.db.OutboxAttachments(ctx, submissionID)
	if err != nil {
		return nil, false, err
	}
	if len(raw) != len(refs) {
		return nil, true, nil
	}
	for i, data := range raw {
		if seal.IsSealed(data) {
			// Sealed by intake to this desk's key: stored unchanged, not
			// sealed a second time.
			sealed = append(sealed, data)
			continue
		}
		r := refs[i]
		blob, err := s.sealPhoto(ctx, desk, intake.Attachment{ContentType: r.ContentType, Width: r.Width, Height: r.Height, Data: data})
		if err != nil {
			return nil, false, fmt.Errorf("desk: seal photo %d of %s: %w", i, submissionID, err)
		}
		sealed = append(sealed, blob)
	}
	return sealed, false, nil
}

// Photos lists the photos of case id of a's desk (nothing is opened). A
// case of another desk is ErrNotFound.
func (s *Service) Photos(ctx context.Context, a Actor, id int64) ([]PhotoInfo, error) {
	if _, err := s.Row(ctx, a, id); err != nil {
		return nil, err
	}
	return s.photoList(ctx, a.Desk, id)
}

func (s *Service) photoList(ctx context.Context, desk string, id int64) ([]PhotoInfo, error) {
	list, err := s.db.CaseAttachments(ctx, desk, id)
	if err != nil {
		return nil, err
	}
	out := make([]PhotoInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PhotoInfo{ID: p.ID, MessageID: p.EventID, Index: p.Index})
	}
	return out, nil
}

// Photo opens photo photoID of case id of a's desk and records the access
// in the audit log ("case.photo"). A photo of another case, or a case of
// another desk, is ErrNotFound; a photo the case lacks, ErrPhotoNotFound; a Sealer that cannot open it gives an
// error wrapping ErrSealed.
func (s *Service) Photo(ctx context.Context, a Actor, id, photoID int64) (Photo, error) {
	if _, ok := s.data.Desk(a.Desk); !ok {
		return Photo{}, ErrNotFound
	}
	p, err := s.db.CaseAttachment(ctx, a.Desk, id, photoID)
	if errors.Is(err, store.ErrNotFound) {
		if _, rowErr := s.Row(ctx, a, id); rowErr != nil {
			return Photo{}, rowErr // no such case for this desk
		}
		return Photo{}, ErrPhotoNotFound
	}
	if err != nil {
		return Photo{}, err
	}
	var doc intake.PhotoDocument
	if err := s.open(ctx, Scope{Desk: a.Desk}, p.Content, &doc); err != nil {
		return Photo{}, fmt.Errorf("desk: open photo %d of case %d: %w", photoID, id, err)
	}
	if err := s.db.AppendAudit(ctx, s.audit(a, "case.photo", id, s.now())); err != nil {
		return Photo{}, err
	}
	return Photo{ID: photoID, ContentType: doc.ContentType, Width: doc.Width, Height: doc.Height, Data: doc.Data}, nil
}

// Number is the photo's position counted from 1, as shown to staff.
func (p PhotoInfo) Number() int { return p.Index + 1 }
