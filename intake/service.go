package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// Status values of a submission and what /tra-cuu shows for them.
const (
	StatusReceived  = store.StatusReceived  // in the outbox
	StatusForwarded = store.StatusForwarded // on the agency queue, not yet with a desk
)

// StatusLabels are the Vietnamese labels of the statuses.
var StatusLabels = map[string]string{
	StatusReceived:  "Đã tiếp nhận",
	StatusForwarded: "Đã chuyển đến cơ quan chức năng",
}

// KindLabels are the Vietnamese names of the kinds of submission.
var KindLabels = map[string]string{
	KindTip:          "Tin báo về tội phạm, tệ nạn ma túy",
	KindRehabEnquiry: "Đăng ký tư vấn cai nghiện ma túy",
}

// ErrUnknownReceipt is returned by Service.Status for a well-formed receipt
// that matches no submission.
var ErrUnknownReceipt = errors.New("intake: unknown receipt")

// ErrClosed is returned by the Submit methods after Close.
var ErrClosed = errors.New("intake: service closed")

// vietnam is the portal's civil time (UTC+7, no daylight saving); the day
// of receipt shown by /tra-cuu is a day there.
var vietnam = time.FixedZone("ICT", 7*3600)

// Config is what NewService needs.
type Config struct {
	// DB is the system of record holding the outbox.
	DB *store.DB
	// Catalog is the loaded data (LoadCatalog).
	Catalog *Catalog
	// Secret keys the receipt hashes; the portal secret, ≥ 16 bytes.
	Secret []byte
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MaxBatch caps how many concurrent submissions share one commit
	// (group commit); 256 when 0.
	MaxBatch int
	// Sealer seals what the person wrote to the desk's key before the
	// outbox (issue 11); nil stores it plain (tests of the outbox alone).
	Sealer ContentSealer
}

// ContentSealer is what intake seals a submission with: seal.Sealer (or
// desk.Sealer, the same shape). A result that is not an age file means
// "the desk has no key yet": the submission is then stored plain.
type ContentSealer interface {
	Seal(ctx context.Context, scope seal.Scope, plain []byte) ([]byte, error)
}

// Receipt is what a person is shown, once, after a submission was
// committed to the outbox.
type Receipt struct {
	// Code is the 16-digit receipt; never stored.
	Code string
	// Status is StatusReceived.
	Status string
	// Agency names the desk the submission goes to.
	Agency string
}

// Status is what /tra-cuu and POST /api/v1/status show for a receipt.
// Once a desk has the case, the desk package tells its status instead.
type Status struct {
	// SubmissionID is the submission the receipt names; the key of its
	// case. Never shown to the person.
	SubmissionID string
	Kind         string // KindTip or KindRehabEnquiry
	Status       string // StatusReceived or StatusForwarded
	StatusLabel  string // Vietnamese
	KindLabel    string // Vietnamese
	ReceivedOn   string // day of receipt in Vietnam, "YYYY-MM-DD"
}

// Service accepts submissions: it writes each to the outbox, durably,
// before returning its receipt. Concurrent submissions are group-committed
// by one writer goroutine: they share one transaction (one fsync), and each
// caller still waits for that commit. After each commit the forwarder is
// woken (Wake). Safe for concurrent use; Close stops the writer.
type Service struct {
	db      *store.DB
	catalog *Catalog
	hasher  *ReceiptHasher
	now     func() time.Time
	max     int
	sealer  ContentSealer

	reqs  chan *insertReq
	marks chan *markReq
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

type insertReq struct {
	sub  store.Submission
	done chan error
}

type markReq struct {
	sent []store.SentEntry
	done chan markResult
}

type markResult struct {
	n   int
	err error
}

// NewService checks cfg and starts the writer goroutine.
func NewService(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Catalog == nil {
		return nil, errors.New("intake: NewService needs DB and Catalog")
	}
	h, err := NewReceiptHasher(cfg.Secret)
	if err != nil {
		return nil, err
	}
	s := &Service{
		db: cfg.DB, catalog: cfg.Catalog, hasher: h, now: cfg.Now, max: cfg.MaxBatch, sealer: cfg.Sealer,
		reqs:  make(chan *insertReq),
		marks: make(chan *markReq),
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.max <= 0 {
		s.max = 256
	}
	go s.writer()
	return s, nil
}

// Catalog returns the data the service validates against.
func (s *Service) Catalog() *Catalog { return s.catalog }

// Wake receives a value after each commit of new submissions; the
// forwarder listens on it. It holds at most one pending signal.
func (s *Service) Wake() <-chan struct{} { return s.wake }

// Close stops the writer goroutine after the commit in progress. Submit
// calls after Close return ErrClosed.
func (s *Service) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}

// SubmitTip writes a validated tip (Catalog.ValidateTip) to the outbox and
// returns its receipt once the commit is on disk. The tip's photos
// (t.Attachments, sanitised) are written in the same transaction, beside
// the outbox row (store: outbox_attachments), each sealed to the desk's
// key like the text when the desk has one (outboxPhoto); the JSON stored
// and queued refers to them by index (Tip.AttachmentRefs), it never
// carries them.
// With WithNonce, a second submission of the same form returns
// ErrAlreadySubmitted and stores nothing.
func (s *Service) SubmitTip(ctx context.Context, t Tip, opts ...SubmitOption) (Receipt, error) {
	if len(t.Attachments) > MaxAttachments {
		return Receipt{}, fmt.Errorf("intake: submit tip: %d photos, at most %d", len(t.Attachments), MaxAttachments)
	}
	t.AttachmentRefs = nil
	var photos [][]byte
	for i, a := range t.Attachments {
		if len(a.Data) == 0 || a.ContentType != "image/jpeg" {
			return Receipt{}, fmt.Errorf("intake: submit tip: photo %d is not a sanitised JPEG", i)
		}
		t.AttachmentRefs = append(t.AttachmentRefs, AttachmentRef{Index: i, ContentType: a.ContentType,
			Width: a.Width, Height: a.Height, Bytes: len(a.Data)})
		blob, err := s.outboxPhoto(ctx, s.catalog.Routes[KindTip].Desk, a)
		if err != nil {
			return Receipt{}, fmt.Errorf("intake: seal photo %d of a tip: %w", i, err)
		}
		photos = append(photos, blob)
	}
	return s.submit(ctx, KindTip, t, photos, opts)
}

// SubmitEnquiry writes a validated rehab enquiry to the outbox and returns
// its receipt once the commit is on disk.
// WithNonce works as for SubmitTip.
func (s *Service) SubmitEnquiry(ctx context.Context, e Enquiry, opts ...SubmitOption) (Receipt, error) {
	return s.submit(ctx, KindRehabEnquiry, e, nil, opts)
}

func (s *Service) submit(ctx context.Context, kind string, v any, photos [][]byte, opts []SubmitOption) (Receipt, error) {
	var o submitOptions
	for _, f := range opts {
		f(&o)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return Receipt{}, fmt.Errorf("intake: encode %s: %w", kind, err)
	}
	code, err := NewReceipt()
	if err != nil {
		return Receipt{}, err
	}
	id, err := newID()
	if err != nil {
		return Receipt{}, err
	}
	if data, err = s.sealSubmission(ctx, kind, v, data, code, id); err != nil {
		return Receipt{}, err
	}
	now := s.now()
	req := &insertReq{
		sub: store.Submission{
			ID:   id,
			Kind: kind,
			// To the minute: a time to the nanosecond would help match a
			// tip against network or proxy logs; the desks need no more.
			ReceivedAt:  now.UTC().Truncate(time.Minute),
			Data:        data,
			ReceiptHash: s.hasher.Hash(code),
			ReceivedOn:  now.In(vietnam).Format("2006-01-02"),
			Attachments: photos,
		},
		done: make(chan error, 1),
	}
	if o.nonce != "" {
		req.sub.NonceHash = s.hasher.hashNonce(o.nonce)
	}
	select {
	case s.reqs <- req:
	case <-s.stop:
		return Receipt{}, ErrClosed
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("intake: submit %s: %w", kind, ctx.Err())
	}
	// Once handed over, the commit happens whatever ctx does: wait for it,
	// so a receipt is returned only for a committed row.
	if err := <-req.done; err != nil {
		if errors.Is(err, store.ErrDuplicateNonce) {
			return Receipt{}, ErrAlreadySubmitted
		}
		return Receipt{}, err
	}
	return Receipt{Code: code, Status: StatusReceived, Agency: s.catalog.Routes[kind].Agency}, nil
}

// sealSubmission returns what the outbox and the queue entry hold of a
// submission: a seal.Envelope (clear routing and filter codes, the JSON
// sealed to the desk's key, the receipt holder's public key) when the
// desk has a key, data itself when not.
func (s *Service) sealSubmission(ctx context.Context, kind string, v any, data []byte, code, id string) ([]byte, error) {
	if s.sealer == nil {
		return data, nil
	}
	env := seal.Envelope{}
	switch x := v.(type) {
	case Tip:
		env.Category, env.Area = x.Category, x.Area
		if len(x.AttachmentRefs) > 0 {
			refs, err := json.Marshal(x.AttachmentRefs)
			if err != nil {
				return nil, err
			}
			env.Attachments = refs
		}
	case Enquiry:
		env.Substance, env.Area = x.Substance, x.Area
	}
	sealed, err := s.sealer.Seal(ctx, seal.Scope{Desk: s.catalog.Routes[kind].Desk}, data)
	if err != nil {
		return nil, fmt.Errorf("intake: seal %s: %w", kind, err)
	}
	if !seal.IsSealed(sealed) {
		return data, nil
	}
	sid, err := seal.SubmitterIdentity(code, id)
	if err != nil {
		return nil, err
	}
	env.Sealed, env.SubmitterKey = sealed, sid.Recipient().String()
	return json.Marshal(env)
}

// MarkSent records that the queue has the entries (see store.DB.MarkSent),
// through the writer goroutine, so that the forwarder's marks share commits
// with new submissions instead of waiting on SQLite's write lock. The
// Forwarder uses it as its Marker.
func (s *Service) MarkSent(ctx context.Context, sent ...store.SentEntry) (int, error) {
	if len(sent) == 0 {
		return 0, nil
	}
	req := &markReq{sent: sent, done: make(chan markResult, 1)}
	select {
	case s.marks <- req:
	case <-s.stop:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	r := <-req.done
	return r.n, r.err
}

// writer is the single goroutine that writes the outbox (group commit): it
// takes one request, then every request already waiting (up to max), and
// commits the new submissions and the forwarded ids in one transaction.
func (s *Service) writer() {
	defer close(s.done)
	for {
		var inserts []*insertReq
		var marks []*markReq
		select {
		case r := <-s.reqs:
			inserts = append(inserts, r)
		case m := <-s.marks:
			marks = append(marks, m)
		case <-s.stop:
			return
		}
	drain:
		for len(inserts)+len(marks) < s.max {
			select {
			case r := <-s.reqs:
				inserts = append(inserts, r)
			case m := <-s.marks:
				marks = append(marks, m)
			default:
				break drain
			}
		}
		s.commit(inserts, marks)
	}
}

// commit writes one group. If the shared transaction fails, each request
// is retried alone so that one bad row does not fail the others.
func (s *Service) commit(inserts []*insertReq, marks []*markReq) {
	ctx := context.Background()
	subs := make([]store.Submission, len(inserts))
	for i, r := range inserts {
		subs[i] = r.sub
	}
	var sent []store.SentEntry
	for _, m := range marks {
		sent = append(sent, m.sent...)
	}
	_, err := s.db.WriteOutbox(ctx, subs, sent)
	if len(inserts) > 0 {
		// Wake the forwarder before answering, so that a caller who got
		// its receipt can count on the forwarder having been signalled.
		s.signal()
	}
	if err == nil || len(inserts)+len(marks) == 1 {
		for _, r := range inserts {
			r.done <- err
		}
		for _, m := range marks {
			// The count of one mark in a shared commit is not separated
			// out; the forwarder only logs it.
			m.done <- markResult{n: len(m.sent), err: err}
		}
		return
	}
	for _, r := range inserts {
		r.done <- s.db.InsertSubmissions(ctx, []store.Submission{r.sub})
	}
	for _, m := range marks {
		n, err := s.db.MarkSent(ctx, m.sent...)
		m.done <- markResult{n: n, err: err}
	}
}

func (s *Service) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Status looks up a receipt as typed by a person. It returns
// ErrReceiptFormat for text that is not 16 digits and ErrUnknownReceipt for
// a receipt that matches nothing.
func (s *Service) Status(ctx context.Context, receipt string) (Status, error) {
	code, err := ParseReceipt(receipt)
	if err != nil {
		return Status{}, err
	}
	st, err := s.db.StatusByReceiptHash(ctx, s.hasher.Hash(code))
	if errors.Is(err, store.ErrNotFound) {
		return Status{}, ErrUnknownReceipt
	}
	if err != nil {
		return Status{}, fmt.Errorf("intake: status: %w", err)
	}
	return Status{
		SubmissionID: st.SubmissionID,
		Kind:         st.Kind,
		Status:       st.Status,
		StatusLabel:  StatusLabels[st.Status],
		KindLabel:    KindLabels[st.Kind],
		ReceivedOn:   st.ReceivedOn,
	}, nil
}

// NonceHash is the keyed hash (hex) under which a form's one-time nonce is
// recorded, or "" when nonce is not the shape NewNonce gives. The desk uses
// it to make a submitter's message one-time, as WithNonce does a tip.
func (s *Service) NonceHash(nonce string) string {
	if !ValidNonce(nonce) {
		return ""
	}
	return s.hasher.hashNonce(nonce)
}

// newID returns a random submission id: 32 hex digits (128 bits). It is
// the queue entry id consumers de-duplicate on; it is not derived from the
// receipt.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("intake: draw submission id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
