package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// Rejected is a queue message that can never become a case of its desk;
// the consumer moves it to the dead-letter stream.
type Rejected struct {
	StreamID   string
	Deliveries int64
	// Code is the dead-letter reason recorded with the entry
	// (queue.FieldDeadReason): a queue.Reason* value and a detail.
	Code string
	// Reason says why, in Vietnamese, for the logs and the operator.
	Reason string
}

// Ingest turns the messages of desk's queue into cases, in one
// transaction, and returns the stream ids now safe to acknowledge (their
// case is committed, or already was: a redelivered entry never makes a
// second case) and the messages that can never be a case of this desk
// (not a portal entry, a kind routed elsewhere, data that is not a
// submission), to be dead-lettered. The case's commit also removes the
// submission from the outbox (store.DB.CreateCases). An error means
// nothing was committed: acknowledge nothing and try again later.
func (s *Service) Ingest(ctx context.Context, desk string, msgs []queue.Message) (ack []string, rejected []Rejected, err error) {
	if _, ok := s.data.Desk(desk); !ok {
		return nil, nil, fmt.Errorf("desk: ingest: unknown desk %q", desk)
	}
	initial := s.data.Initial().Code
	var cases []store.NewCase
	var ids []string
	seen := map[string]bool{}
	for _, m := range msgs {
		reject := func(code, why string) {
			rejected = append(rejected, Rejected{StreamID: m.StreamID, Deliveries: m.Deliveries, Code: code, Reason: why})
		}
		if m.Err != nil {
			reject(queue.ReasonMalformed, "không phải tin của cổng thông tin")
			continue
		}
		if d, ok := s.DeskOfKind(m.Kind); !ok || d != desk {
			kind := m.Kind
			if len(kind) > 100 {
				kind = kind[:100]
			}
			reject(queue.ReasonUnknownKind+": "+kind, fmt.Sprintf("loại %q không thuộc bộ phận %s", kind, desk))
			continue
		}
		if m.ReceivedAt.IsZero() {
			reject(queue.ReasonMalformed+": no received_at", "thiếu thời điểm tiếp nhận")
			continue
		}
		sub, err := decodeSubmission(m.Kind, m.Data)
		if err != nil {
			reject(queue.ReasonMalformed+": data is not a submission", "dữ liệu không phải tin báo hoặc đăng ký hợp lệ")
			continue
		}
		category, area, err := sub.classify()
		if err != nil {
			reject(queue.ReasonMalformed+": no category or area", "thiếu phân loại hoặc địa bàn")
			continue
		}
		if seen[m.ID] {
			ids = append(ids, m.StreamID)
			continue // the same submission twice in one read: one case
		}
		var photos [][]byte
		if sub.Tip != nil && len(sub.Tip.AttachmentRefs) > 0 {
			var missing bool
			photos, missing, err = s.outboxPhotos(ctx, desk, m.ID, sub.Tip.AttachmentRefs)
			if err != nil {
				return nil, nil, fmt.Errorf("desk: ingest %s: %w", m.ID, err)
			}
			if missing {
				// Taken already (a redelivered entry: the case's commit
				// removed them), or lost: without its case, dead-letter it.
				_, err := s.db.CaseBySubmission(ctx, m.ID)
				switch {
				case errors.Is(err, store.ErrNotFound):
					reject(queue.ReasonMalformed+": photos not in the outbox", "không còn ảnh đính kèm của tin báo trong hộp thư đi")
					continue
				case err != nil:
					return nil, nil, fmt.Errorf("desk: ingest %s: %w", m.ID, err)
				}
			}
		}
		ids = append(ids, m.StreamID)
		seen[m.ID] = true
		// A sealed submission (seal.Envelope) is stored as sealed by intake:
		// the desk never sees it in clear. A plain one (made before the desk
		// had a key) is sealed now.
		var content []byte
		var submitterKey string
		if env, ok := seal.ParseEnvelope(m.Data); ok {
			content, submitterKey = env.Sealed, env.SubmitterKey
		} else if content, err = s.sealer.Seal(ctx, Scope{Desk: desk}, m.Data); err != nil {
			return nil, nil, fmt.Errorf("desk: ingest %s: %w", m.ID, err)
		}
		cases = append(cases, store.NewCase{SubmissionID: m.ID, Desk: desk, Kind: m.Kind, Category: category,
			Area: area, Status: initial, ReceivedAt: m.ReceivedAt, Content: content, Attachments: photos, SubmitterKey: submitterKey})
	}
	if len(cases) > 0 {
		if _, err := s.db.CreateCases(ctx, cases, s.now()); err != nil {
			return nil, nil, err
		}
	}
	return ids, rejected, nil
}
